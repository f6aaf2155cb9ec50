/// Pads `text` to `width` for aligned columns in terminal output (right-aligned for numbers).
public func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    guard text.count < width else { return text + " " }
    let padding = String(repeating: " ", count: width - text.count)
    return right ? padding + text : text + padding
}
