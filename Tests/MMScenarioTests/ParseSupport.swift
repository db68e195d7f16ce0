import MMKernel
@testable import MMScenario

/// Parses `source` as `t.litmus`.
func parseLitmus(_ source: String) throws -> LitmusTest {
    try LitmusParser.parse(source: source, file: "t.litmus")
}

/// The diagnostic text `source` produces, or nil when it parses.
func diagnosticText(_ source: String) -> String? {
    do {
        _ = try LitmusParser.parse(source: source, file: "t.litmus")
        return nil
    } catch {
        return error.description
    }
}

/// Resources most op tests need, in `init`; `buf` is a 2M anon mapping of P.
/// Lines: 1 MM, 2 init {, 3..14 statements, 15 }, 16 T0 on P {, 17 the statement.
let opPrelude = """
MM ops
init {
  pmem pmem0 size=64M mode=fsdax map=mem align=2M
  pmem pmem1 size=4G mode=devdax map=dev align=1G
  mkfs pmem0 ext4
  mount pmem0 /mnt dax
  file /mnt/f size=4M layout=fragmented
  hugetlbfs /huge
  file /huge/h size=1G
  disk disk0 size=1M
  dmabuf bo size=2M backing=vram huge
  p2pmem bar size=64K
  process P
  P: buf = mmap anon len=2M
}
T0 on P {

"""

/// `statement` as the only statement of T0 (line 17) after `opPrelude`.
func threadSource(_ statement: String) -> String { opPrelude + "  " + statement + "\n}\n" }

/// The op of `statement` in T0.
func threadOp(_ statement: String) throws -> Operation {
    let test = try parseLitmus(threadSource(statement))
    return test.threads[0].statements[0].op
}

/// The diagnostic of `statement` in T0.
func threadError(_ statement: String) -> String? { diagnosticText(threadSource(statement)) }

/// A location in `t.litmus`.
func loc(_ line: Int, _ column: Int) -> SourceLocation {
    SourceLocation(file: "t.litmus", line: line, column: column)
}
