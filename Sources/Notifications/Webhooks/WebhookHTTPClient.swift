import EventStore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Posts one webhook: HTTP/1.1 over a fresh connection (TLS for https, the host's certificate
/// checked against the system's roots), to an address ``AddressGuard`` approved, with one
/// deadline for the whole exchange. Redirects are not followed: a 3xx is a failed attempt, as a
/// redirect could lead anywhere.
public struct WebhookHTTPClient: Sendable {
    /// Whether loopback and private addresses may be posted to (development and tests only:
    /// `WEBHOOK_ALLOW_PRIVATE_ADDRESSES`).
    public var allowPrivateAddresses: Bool
    public var timeout: Duration

    public init(allowPrivateAddresses: Bool = false, timeout: Duration = .seconds(10)) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.timeout = timeout
    }

    /// What the receiver answered.
    public struct Response: Sendable {
        public var status: Int
        /// The first kilobyte of the body, for the delivery log.
        public var body: String
    }

    public func post(_ url: String, headers: [(String, String)], body: [UInt8]) async throws(WebhookError) -> Response {
        guard let target = WebhookURL(url) else { throw .connection("\(url) is not an http(s) URL") }
        let addresses = try await AddressGuard.resolve(host: target.host, port: target.port)
        if !allowPrivateAddresses, let refused = addresses.first(where: { !AddressGuard.isPublic($0) }) {
            throw .privateAddress(refused.ipAddress ?? target.host)
        }
        do {
            return try await withTimeout(timeout) { try await exchange(target, address: addresses[0], headers: headers, body: body) }
        } catch let error as WebhookError {
            throw error
        } catch is TimeoutError {
            throw .timeout
        } catch {
            throw .connection("\(error)")
        }
    }

    private func exchange(_ target: WebhookURL, address: SocketAddress, headers: [(String, String)], body: [UInt8]) async throws -> Response {
        let tls = target.isHTTPS ? try Self.tlsContext() : nil
        let serverName = target.isIPLiteral ? nil : target.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(max(1, timeout.components.seconds)))
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.pathAndQuery)
            head.headers.add(name: "Host", value: target.hostHeader)
            head.headers.add(name: "User-Agent", value: "commerce-webhooks/1")
            head.headers.add(name: "Content-Length", value: "\(body.count)")
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: Int?
            var collected: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    status = Int(responseHead.status.code)
                case .body(var buffer):
                    let take = min(buffer.readableBytes, 1024 - collected.count)
                    if take > 0, let bytes = buffer.readBytes(length: take) { collected += bytes }
                case .end:
                    guard let status else { throw WebhookError.connection("no response head") }
                    return Response(status: status, body: String(decoding: collected, as: UTF8.self))
                }
            }
            throw WebhookError.connection("the connection closed before the response ended")
        }
    }

    private static let sharedTLS = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    private static func tlsContext() throws -> NIOSSLContext { try sharedTLS.get() }
}

/// An endpoint URL taken apart: what ``WebhookHTTPClient`` connects to and asks for.
struct WebhookURL: Sendable {
    var isHTTPS: Bool
    var host: String
    var port: Int
    var pathAndQuery: String

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { return nil }
        isHTTPS = scheme == "https"
        // URLComponents keeps an IPv6 literal's brackets in `host` on some platforms.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (isHTTPS ? 443 : 80)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        pathAndQuery = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    var isIPLiteral: Bool { (try? SocketAddress(ipAddress: host, port: port)) != nil }

    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isHTTPS ? 443 : 80) ? name : "\(name):\(port)"
    }
}
