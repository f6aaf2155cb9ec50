/// Where the brokers are and how to talk to them.
///
/// `properties` are passed to librdkafka as they are (see its CONFIGURATION.md), after the
/// settings this wrapper needs for each client kind, so they can override them.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var bootstrapServers: String
    public var clientID: String
    public var properties: [String: String]

    public init(bootstrapServers: String, clientID: String = "commerce", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// Validates a `host:port[,host:port…]` list, as given in `KAFKA_BROKERS`.
    /// - Returns: the reason it is malformed, or `nil` when it is well formed.
    public static func problem(withBrokerList list: String) -> String? {
        let entries = list.split(separator: ",", omittingEmptySubsequences: false)
        guard !list.isEmpty else { return "empty broker list" }
        for entry in entries {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { return "\"\(entry)\" is not host:port" }
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return "\"\(entry)\" has no valid port" }
        }
        return nil
    }
}
