/// A listing's facets as JSON, byte for byte what ``AnswerJSON/encoder`` writes of them (keys
/// sorted), written out directly: the encoder's generic path cost a category listing a tenth of the
/// server's CPU for a hundred-odd counts. Price ranges (with their bounds as money) and any text
/// that would need escaping are left to the encoder.
enum FacetJSON {
    static func write(_ facets: [CatalogReader.Facet], into json: inout [UInt8]) throws {
        json.append(UInt8(ascii: "["))
        for (index, facet) in facets.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            guard facet.values.allSatisfy({ $0.from == nil && $0.to == nil }) else {
                json += try AnswerJSON.encoder.encode(facet)
                continue
            }
            json += Array(#"{"name":"#.utf8)
            try string(facet.name, into: &json)
            json += Array(#","values":["#.utf8)
            for (position, value) in facet.values.enumerated() {
                if position > 0 { json.append(UInt8(ascii: ",")) }
                json += Array(#"{"count":"#.utf8)
                json += Array(String(value.count).utf8)
                json += Array(#","value":"#.utf8)
                try string(value.value, into: &json)
                json.append(UInt8(ascii: "}"))
            }
            json += Array("]}".utf8)
        }
        json.append(UInt8(ascii: "]"))
    }

    /// A JSON string: as it is between quotes when no byte needs escaping (a quote, a backslash,
    /// a control character), else as the encoder writes it.
    private static func string(_ text: String, into json: inout [UInt8]) throws {
        if text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            json += try AnswerJSON.encoder.encode(text)
            return
        }
        json.append(UInt8(ascii: "\""))
        json += text.utf8
        json.append(UInt8(ascii: "\""))
    }
}
