import Foundation
import Testing

@testable import EventStore

/// Finding and replacing string members in JSON text, against Foundation's parser: the members
/// found are those JSONSerialization reads, the replaced text parses to the same document with
/// only those members changed, and every other byte is left as it was.
@Suite struct JSONStringMembersTests {
    static let documents = [
        #"{"email":"ann@example.com","cartId":"c1","lines":[{"name":"Tee","email":"not-this-one"}],"n":12.5}"#,
        #"{"address":{"name":"Ann \"A\" Lee","line1":"1 Rue\/Mont\\x","city":"Zürich 東京 \ud83d\ude00","zip":10115},"owner":{"kind":"guest","id":"g"}}"#,
        #" { "address" : { "name" : "spaced" , "nested" : { "name" : "deeper" } } , "name" : "top" } "#,
        #"{"address":null,"name":"x"}"#,
        #"{"address":{"name":7,"line1":"kept"},"tags":["name","line1"],"ok":true,"no":false,"nil":null}"#,
    ]

    /// The object at `path` in Foundation's reading of `json`.
    static func foundationObject(_ json: String, at path: [String]) -> [String: Any]? {
        var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        for name in path { object = object?[name] as? [String: Any] }
        return object
    }

    @Test("the members found are the string members Foundation reads at that path, and nothing else")
    func findsWhatFoundationReads() throws {
        for json in Self.documents {
            for (path, names) in [([String](), Set(["email", "name", "cartId"])), (["address"], Set(["name", "line1", "city", "zip"]))] {
                let found = try #require(JSONStringMembers(json, object: path, names: names), "\(json)")
                let expected = (Self.foundationObject(json, at: path) ?? [:]).compactMapValues { $0 as? String }.filter { names.contains($0.key) }
                #expect(Dictionary(uniqueKeysWithValues: found.members.map { ($0.name, $0.value) }) == expected, "\(json) at \(path)")
            }
        }
    }

    @Test("replacing changes those members alone: the rest of the text is byte for byte the same, and the whole still parses")
    func replacesInPlace() throws {
        for json in Self.documents {
            let found = try #require(JSONStringMembers(json, object: ["address"], names: ["name", "line1"]))
            let values = found.members.map { ($0, "new \"\($0.name)\"\n\\ ü") }
            let replaced = found.replacing(values)
            var expected = Self.foundationObject(json, at: ["address"]) ?? [:]
            for (member, value) in values { expected[member.name] = value }
            let actual = Self.foundationObject(replaced, at: ["address"]) ?? [:]
            #expect(NSDictionary(dictionary: actual).isEqual(to: expected), "\(replaced)")
            // Outside the replaced literals, the bytes are the original ones, in order.
            var original = Array(json.utf8)
            for member in found.members.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) { original.removeSubrange(member.range) }
            var rewritten = Array(replaced.utf8)
            let written = try #require(JSONStringMembers(replaced, object: ["address"], names: ["name", "line1"]))
            for member in written.members.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) { rewritten.removeSubrange(member.range) }
            #expect(original == rewritten, "\(replaced)")
        }
    }

    @Test("text that is not one well-formed JSON object has no members")
    func refusesWhatIsNotAnObject() {
        for json in ["", "[]", "\"x\"", #"{"a":"b""#, #"{"a" "b"}"#, #"{"a":"b"} x"#, #"{"address":{"name":"x"}"#, "{\"a\":\"line\nbreak\"}", #"{"a":tru}"#] {
            #expect(JSONStringMembers(json, object: ["address"], names: ["name"]) == nil, "\(json)")
        }
    }
}
