import Mail
/// Charts as inline SVG: no script, no external files. Every plotted value is an element with
/// `data-point` (and a `<title>` a browser shows on hover), so a test can count them.
struct SVGChart {
    let id: String
    let title: String
    let labels: [String]
    let values: [Int64]
    /// How a value reads on the axis and in the tooltip.
    let format: @Sendable (Int64) -> String

    private let width = 640.0
    private let height = 240.0
    private let left = 72.0
    private let right = 16.0
    private let top = 16.0
    private let bottom = 44.0

    init(id: String, title: String, labels: [String], values: [Int64], format: @escaping @Sendable (Int64) -> String = { String($0) }) {
        self.id = id
        self.title = title
        self.labels = labels
        self.values = values
        self.format = format
    }

    private var plotWidth: Double { width - left - right }
    private var plotHeight: Double { height - top - bottom }
    /// The axis top: the largest value, at least 1 so an empty chart still has a scale.
    private var maximum: Double { Double(max(1, values.max() ?? 1)) }
    private var minimum: Double { Double(min(0, values.min() ?? 0)) }

    private func y(_ value: Int64) -> Double {
        top + plotHeight * (1 - (Double(value) - minimum) / (maximum - minimum))
    }

    private func number(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }

    /// Axes with three labelled ticks on the value axis and up to eight labels along the bottom.
    private func axes(positions: [Double]) -> String {
        var svg = "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(top + plotHeight))\" class=\"axis\"/>"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(y(0)))\" x2=\"\(number(left + plotWidth))\" y2=\"\(number(y(0)))\" class=\"axis\"/>"
        for fraction in [0.0, 0.5, 1.0] {
            let value = Int64((minimum + (maximum - minimum) * fraction).rounded())
            svg += "<text x=\"\(number(left - 6))\" y=\"\(number(y(value) + 4))\" text-anchor=\"end\" class=\"tick\">\(HTML.escape(format(value)))</text>"
        }
        let step = max(1, Int((Double(labels.count) / 8).rounded(.up)))
        for (index, label) in labels.enumerated() where index % step == 0 {
            svg += "<text x=\"\(number(positions[index]))\" y=\"\(number(top + plotHeight + 16))\" text-anchor=\"middle\" class=\"tick\">\(HTML.escape(label))</text>"
        }
        return svg
    }

    private func frame(_ content: String) -> String {
        let content = values.isEmpty
            ? content + "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(top + plotHeight / 2))\" text-anchor=\"middle\" class=\"tick\">nothing to show</text>"
            : content
        return """
        <figure><figcaption>\(HTML.escape(title))</figcaption>\
        <svg data-chart="\(HTML.escape(id))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTML.escape(title))">\(content)</svg></figure>
        """
    }

    /// One vertical bar per value.
    func bars() -> String {
        let slot = plotWidth / Double(max(1, values.count))
        let positions = values.indices.map { left + slot * (Double($0) + 0.5) }
        var svg = axes(positions: positions)
        for (index, value) in values.enumerated() {
            let top = min(y(value), y(0))
            let barHeight = abs(y(value) - y(0))
            svg += "<rect data-point x=\"\(number(positions[index] - slot * 0.35))\" y=\"\(number(top))\" width=\"\(number(slot * 0.7))\" height=\"\(number(barHeight))\" class=\"bar\">"
            svg += "<title>\(HTML.escape(labels[index])): \(HTML.escape(format(value)))</title></rect>"
        }
        return frame(svg)
    }

    /// A line through the values, with a dot on each.
    func line() -> String {
        let slot = plotWidth / Double(max(1, values.count - 1))
        let positions = values.indices.map { values.count == 1 ? left + plotWidth / 2 : left + slot * Double($0) }
        var svg = axes(positions: positions)
        let points = values.indices.map { "\(number(positions[$0])),\(number(y(values[$0])))" }.joined(separator: " ")
        svg += "<polyline points=\"\(points)\" class=\"line\"/>"
        for (index, value) in values.enumerated() {
            svg += "<circle data-point cx=\"\(number(positions[index]))\" cy=\"\(number(y(value)))\" r=\"3\" class=\"dot\">"
            svg += "<title>\(HTML.escape(labels[index])): \(HTML.escape(format(value)))</title></circle>"
        }
        return frame(svg)
    }
}
