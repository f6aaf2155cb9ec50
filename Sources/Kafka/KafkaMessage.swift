/// One record: as sent by a producer, or as received by a consumer (with its position).
public struct KafkaMessage: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: [UInt8]

        public init(_ name: String, _ value: [UInt8]) {
            self.name = name
            self.value = value
        }

        public init(_ name: String, _ value: String) {
            self.init(name, Array(value.utf8))
        }

        public var stringValue: String { String(decoding: value, as: UTF8.self) }
    }

    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [Header]

    public init(topic: String, partition: Int32 = -1, offset: Int64 = -1, key: [UInt8]?, value: [UInt8], headers: [Header] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The first header named `name`, if any.
    public func header(_ name: String) -> Header? {
        headers.first { $0.name == name }
    }
}

/// Where Kafka stored a produced message.
public struct KafkaDeliveryReport: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
}
