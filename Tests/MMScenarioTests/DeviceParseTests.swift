import Testing
@testable import MMScenario

/// Malformed device statements (pmem, mkfs/mount on pmem, file layouts, unbind, mmap of
/// /dev/dax) are refused before anything runs, with one `file:line:column` diagnostic.
@Suite struct DeviceParseTests {
    /// (init body, expected diagnostic).
    static let cases: [(String, String)] = [
        ("pmem pmem0 size=3K",
         "t.litmus:3:19: error: size= 3K is not a multiple of 4K (the page size)"),
        ("pmem pmem0 size=4M mode=devdax map=none",
         "t.litmus:3:38: error: mode=devdax needs struct pages: map=mem or map=dev, not map=none"),
        ("pmem pmem0 size=4M mode=raw align=2M",
         "t.litmus:3:31: error: mode=raw has no memmap or alignment to set: drop align= (a raw "
            + "namespace is the map=none situation)"),
        ("pmem pmem0 size=6M align=4M",
         "t.litmus:3:28: error: align= of pmem is 4K, 2M or 1G, not `4M`"),
        ("pmem pmem0 size=4M mode=fsdax map=nowhere",
         "t.litmus:3:37: error: map= takes one of mem, dev, none, not `nowhere`"),
        ("pmem 4K size=4M", "t.litmus:3:8: error: pmem needs a device name, not the number `4K`"),
        ("pmem pmem0 size=4M\n  mkfs pmem0 ext4\n  mount pmem0 /mnt dax\n  file /mnt/f size=4M "
         + "layout=striped",
         "t.litmus:6:30: error: layout= takes one of contiguous, fragmented, hole, not `striped`"),
        ("disk d size=4M\n  mkfs d ext4\n  mount d /mnt dax",
         "t.litmus:5:9: error: `dax` needs a pmem device; `d` is a disk"),
        ("pmem pmem0 size=4M mode=devdax\n  mkfs pmem0 ext4",
         "t.litmus:4:8: error: `pmem0` is mode=devdax: it has no block device for mkfs (use "
             + "mode=fsdax)"),
        ("unbind", "t.litmus:3:3: error: `unbind` is missing a device (usage: unbind DEV)"),
    ]

    @Test(arguments: cases)
    func malformedDeviceStatement(_ body: String, _ expected: String) {
        #expect(diagnosticText("MM t\ninit {\n  \(body)\n}\n") == expected)
    }

    @Test func wellFormedDeviceStatementsParse() throws {
        let src = """
            MM t
            init {
              pmem pmem0 size=64M mode=fsdax map=dev align=2M
              pmem pmem1 size=64M mode=devdax align=2M
              mkfs pmem0 xfs
              mount pmem0 /mnt dax
              file /mnt/f size=4M layout=hole
              process P
              P: a = mmap /dev/dax1.0 len=2M shared
              P: b = mmap /mnt/f len=4M sync
            }
            T0 { unbind pmem1; bind pmem1; punch /mnt/f offset=0 len=2M }

            """
        let test = try parseLitmus(src)
        #expect(test.initStatements.count == 8 && test.threads[0].statements.count == 3)
    }
}
