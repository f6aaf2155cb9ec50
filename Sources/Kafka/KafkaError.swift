import CRdKafka

/// A failure reported by librdkafka or by this wrapper, with a stable `code`.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let configuration = Code(rawValue: "kafka.configuration")
        public static let brokerUnreachable = Code(rawValue: "kafka.broker_unreachable")
        public static let timedOut = Code(rawValue: "kafka.timed_out")
        public static let delivery = Code(rawValue: "kafka.delivery_failed")
        public static let topicCreation = Code(rawValue: "kafka.topic_creation_failed")
        public static let consumer = Code(rawValue: "kafka.consumer")
        public static let closed = Code(rawValue: "kafka.closed")
        public static let operation = Code(rawValue: "kafka.operation_failed")
    }

    public let code: Code
    public let message: String
    /// librdkafka's own error code, when it reported one.
    public let rdKafkaError: Int32?

    public init(_ code: Code, _ message: String, rdKafkaError: Int32? = nil) {
        self.code = code
        self.message = message
        self.rdKafkaError = rdKafkaError
    }

    init(_ code: Code, _ context: String, _ error: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(error)))", rdKafkaError: error.rawValue)
    }

    public var description: String { message }
}
