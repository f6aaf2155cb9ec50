import Aggregates
import Foundation
@testable import Application
import Testing

@Suite("Catalog files as values: CSV, cells and amounts")
struct CatalogFileTests {
    @Test("CSV: quotes, doubled quotes, line breaks inside quotes, CRLF, a byte order mark and blank lines; each record's first line")
    func parsesCSV() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"two, three\",\"say \"\"hi\"\"\"\r\n\r\n4,\"five\nsix\",\n7,8,9"
        let table = try CSVTable(parsing: text)
        #expect(table.header == ["a", "b", "c"])
        #expect(table.records == [
            CSVTable.Record(line: 2, fields: ["1", "two, three", "say \"hi\""]),
            CSVTable.Record(line: 4, fields: ["4", "five\nsix", ""]),
            CSVTable.Record(line: 6, fields: ["7", "8", "9"]),
        ])
        // Written and read again, the same fields.
        let again = try CSVTable(parsing: table.text())
        #expect(again.header == table.header && again.records.map(\.fields) == table.records.map(\.fields))
        #expect(table.text().hasPrefix("a,b,c\r\n1,\"two, three\",\"say \"\"hi\"\"\"\r\n"))
        #expect(throws: CSVTable.Malformed(line: 2, reason: "a quoted field is not closed")) { try CSVTable(parsing: "a\n\"open") }
        #expect(throws: CSVTable.Malformed(line: 2, reason: "text after a closing quote")) { try CSVTable(parsing: "a\n\"x\"y") }
    }

    @Test("prices: major units with at most the currency's decimals, read and written back")
    func amounts() {
        #expect(CatalogFileRow.minorUnits("25", exponent: 2) == 2500)
        #expect(CatalogFileRow.minorUnits("25.5", exponent: 2) == 2550)
        #expect(CatalogFileRow.minorUnits("0.07", exponent: 2) == 7)
        #expect(CatalogFileRow.minorUnits("2500", exponent: 0) == 2500)
        for bad in ["", "25.", ".5", "25.001", "-3", "1e3", "2,50", "25.5.0", "１２"] { #expect(CatalogFileRow.minorUnits(bad, exponent: 2) == nil, "\(bad)") }
        #expect(CatalogFileRow.minorUnits("2.5", exponent: 0) == nil)
        #expect(CatalogFileRow.majorUnits(Money(2550, .EUR)) == "25.50")
        #expect(CatalogFileRow.majorUnits(Money(7, .EUR)) == "0.07")
        #expect(CatalogFileRow.majorUnits(Money(2500, .JPY)) == "2500")
    }

    @Test("a row's cells: text as written, empty cells give nothing, every bad cell named")
    func rows() throws {
        let layout = try CatalogFileRow.Layout(header: ["product_id", "name", "category", "brand", "status", "sku", "price:EUR", "attribute:size", "attribute:colour"])
        let row = try CatalogFileRow(CSVTable.Record(line: 7, fields: ["tee", " Classic Tee", "Apparel/Shirts", "", "published", "TEE-M", "25.00", "M", " "]), layout: layout)
        #expect(row.line == 7 && row.productID.rawValue == "tee" && row.name == " Classic Tee" && row.brand == nil)
        #expect(row.categoryPath == ["Apparel", "Shirts"] && row.status == .published && row.sku?.rawValue == "TEE-M")
        #expect(row.prices == ["EUR": Money(2500, .EUR)] && row.attributes == ["size": "M"])
        #expect(layout.attributeNames == ["size", "colour"])

        #expect(throws: CatalogImportProblems([
            CatalogImportProblem(line: 3, column: "price:EUR", reason: "a price is a positive amount with at most 2 decimals, not 0"),
            CatalogImportProblem(line: 3, column: "product_id", reason: #""bad id" is not a valid id (1-64 letters, digits, '-' or '_')"#),
            CatalogImportProblem(line: 3, column: "status", reason: "status is draft, published, unpublished or discontinued, not live"),
        ])) {
            try CatalogFileRow(CSVTable.Record(line: 3, fields: ["bad id", "", "", "", "live", "X", "0", "", ""]), layout: layout)
        }
        #expect(throws: CatalogImportProblems([CatalogImportProblem(line: 4, column: nil, reason: "2 fields where the header has 9")])) {
            try CatalogFileRow(CSVTable.Record(line: 4, fields: ["a", "b"]), layout: layout)
        }
        #expect(throws: CatalogImportProblems([
            CatalogImportProblem(line: 1, column: nil, reason: "the header lacks the product_id column"),
            CatalogImportProblem(line: 1, column: "colour", reason: "unknown column colour: the columns are product_id, name, description, category, brand, status, sku, price:<CURRENCY> and attribute:<name>"),
            CatalogImportProblem(line: 1, column: "price:XXX", reason: #"price:XXX: "XXX" is not a supported ISO 4217 currency code"#),
        ])) {
            try CatalogFileRow.Layout(header: ["name", "price:XXX", "colour"])
        }
    }

    @Test("images: the first bytes decide the type; a name or declared type that says otherwise, an empty, oversized or other file is refused")
    func imageFiles() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        let file = try ImageFile(data: Data(png), fileName: "a.PNG", declaredType: "image/png; charset=binary")
        #expect(file.contentType == "image/png")
        // SHA-256 of these 11 bytes, by Python's hashlib: hashlib.sha256(bytes([0x89,0x50,0x4E,0x47,0x0D,0x0A,0x1A,0x0A,1,2,3])).hexdigest()
        #expect(file.sha256 == "7f47b756761a46e6d4a4d96f0d8a4448f8449235009d1f3ad1493f5c773c19e8")
        #expect(file.fileName == file.sha256 + ".png")
        #expect(try ImageFile(data: Data([0xFF, 0xD8, 0xFF, 0xDB]), fileName: "x.jpeg", declaredType: "image/jpg").contentType == "image/jpeg")
        #expect(try ImageFile(data: Data(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)), fileName: nil, declaredType: nil).contentType == "image/webp")
        func code(_ data: [UInt8], _ name: String?, _ type: String?) -> String? {
            do { _ = try ImageFile(data: Data(data), fileName: name, declaredType: type); return nil } catch { return error.code }
        }
        #expect(code(png, "renamed.jpg", nil) == "image_type_mismatch")
        #expect(code(png, "a.png", "image/webp") == "image_type_mismatch")
        #expect(code(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8), "a.webp", nil) == "not_an_image")
        #expect(code([], "a.png", nil) == "image_empty")
        #expect(code(png + [UInt8](repeating: 0, count: ImageFile.maximumBytes), "a.png", nil) == "image_too_large")
        #expect(code(png, "no-extension", "application/octet-stream") == nil)
    }
}
