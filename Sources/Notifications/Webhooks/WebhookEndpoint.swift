import Aggregates
import Foundation
import NIOCore

/// An admin's registration of a URL for outbound webhooks: which event types it receives, and
/// the secret their signatures use.
public struct WebhookEndpoint: Sendable, Codable, Equatable {
    public var id: UUID
    public var url: String
    /// Event type names (`OrderPlaced`…), or `*` for every type.
    public var eventTypes: [String]
    public var description: String
    public var createdAt: Date
    public var deletedAt: Date?

    public func receives(_ eventType: String) -> Bool { eventTypes.contains("*") || eventTypes.contains(eventType) }

    /// What an admin asks for, checked by ``validated(allowPrivateAddresses:)``.
    public struct Draft: Sendable {
        public var url: String
        public var eventTypes: [String]
        public var secret: String?
        public var description: String?

        public init(url: String, eventTypes: [String], secret: String?, description: String?) {
            self.url = url
            self.eventTypes = eventTypes
            self.secret = secret
            self.description = description
        }

        /// The draft when every field is acceptable, with a generated secret when it had none.
        /// - Throws: ``Invalid`` naming the first field that is not.
        public func validated(allowPrivateAddresses: Bool) throws(Invalid) -> Draft {
            guard url.utf8.count <= 2048, let components = URLComponents(string: url), let target = WebhookURL(url) else {
                throw Invalid(field: "url", message: "must be an absolute http or https URL of at most 2048 bytes")
            }
            guard components.user == nil, components.password == nil else { throw Invalid(field: "url", message: "must not carry a user name or password") }
            guard components.fragment == nil else { throw Invalid(field: "url", message: "must not have a fragment") }
            if !allowPrivateAddresses {
                let name = target.host.lowercased()
                if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") || name.hasSuffix(".internal") {
                    throw Invalid(field: "url", message: "\(target.host) is a local name; webhooks go to public addresses only")
                }
                if let literal = try? SocketAddress(ipAddress: target.host, port: target.port), !AddressGuard.isPublic(literal) {
                    throw Invalid(field: "url", message: "\(target.host) is not a public address; webhooks go to public addresses only")
                }
            }
            guard !eventTypes.isEmpty, eventTypes.count <= 100 else { throw Invalid(field: "eventTypes", message: "name 1 to 100 event types, or \"*\" for all") }
            for type in eventTypes where type != "*" && !Self.knownTypes.contains(type) {
                throw Invalid(field: "eventTypes", message: "\(type.prefix(100).debugDescription) is not an event type; known: \(Self.knownTypes.sorted().joined(separator: ", "))")
            }
            guard Set(eventTypes).count == eventTypes.count else { throw Invalid(field: "eventTypes", message: "names an event type twice") }
            if let secret {
                guard (32...256).contains(secret.count), secret.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                    throw Invalid(field: "secret", message: "must be 32 to 256 printable ASCII characters without spaces")
                }
            }
            if let description, description.count > 200 { throw Invalid(field: "description", message: "must be at most 200 characters") }
            var checked = self
            checked.secret = secret ?? Self.generatedSecret()
            return checked
        }

        static let knownTypes = Set(EventCatalog.entries.map(\.eventType))

        static func generatedSecret() -> String {
            var generator = SystemRandomNumberGenerator()
            return "whsec_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }
    }

    public struct Invalid: Error, Sendable, Equatable {
        public var field: String
        public var message: String
    }
}
