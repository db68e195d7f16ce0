extension String {
    /// The text's words filled into lines under 100 columns: the first line starts with
    /// `indent`, the others with as many spaces; a newline ends every line.
    func wrapped(indent: String) -> String {
        var out = "", line = indent
        for word in split(separator: " ") {
            if line.count + word.count + 1 > 98 && line.count > indent.count {
                out += line + "\n"
                line = String(repeating: " ", count: indent.count)
            }
            line += (line.hasSuffix(" ") ? "" : " ") + word
        }
        return out + line + "\n"
    }
}
