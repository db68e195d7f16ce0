import ArgumentParser
import MMKernel
import MMScenario

/// `mmsim gup-matrix`: for each era, what gup-fast and the GUP slow path do on the entries
/// the seed threads argue about. Every cell is a real run of the model: a small test is
/// generated per era and entry, run sequentially, and its results read back.
struct GupMatrix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gup-matrix",
        abstract: "What gup-fast and slow GUP do, per era, on special, devmap, bare-PSE and "
            + "P2PDMA entries (generated from model runs).")

    @Option(name: .long, help: "Comma-separated eras (default: all).")
    var eras: String?

    /// One kind of entry and how a test makes one.
    struct EntryKind {
        let title: String
        let setup: [String]
        let gupFlags: String
    }

    static let kinds: [EntryKind] = [
        EntryKind(title: "special PTE: /dev/mem (remap_pfn_range, VM_PFNMAP|VM_IO)",
                  setup: ["P: buf = mmap /dev/mem len=4K shared offset=0xA0000"], gupFlags: ""),
        EntryKind(title: "devmap PTE: fs-dax, 4K extents (dax_iomap_pte_fault)",
                  setup: fsdax(layout: "fragmented", align: ""), gupFlags: "write"),
        EntryKind(title: "devmap PMD: fs-dax, 2M-aligned extent (dax_iomap_pmd_fault)",
                  setup: fsdax(layout: "contiguous", align: " align=2M"), gupFlags: "write"),
        EntryKind(title: "bare-PSE device PMD: TTM BO in system memory (ttm_bo_vm_insert_huge)",
                  setup: ["dmabuf bo size=4M huge",
                          "P: buf = mmap dmabuf:bo len=4M shared align=2M",
                          "P: touch buf len=4K"], gupFlags: ""),
        EntryKind(title: "P2PDMA page, GUP without FOLL_PCI_P2PDMA (p2pmem_alloc_mmap)",
                  setup: ["p2pmem pm size=2M", "P: buf = mmap p2pmem:pm len=2M shared"],
                  gupFlags: ""),
    ]

    static func fsdax(layout: String, align: String) -> [String] {
        ["pmem pmem0 size=64M mode=fsdax", "mkfs pmem0 ext4", "mount pmem0 /mnt dax",
         "file /mnt/f size=4M layout=\(layout)", "P: buf = mmap /mnt/f len=4M shared\(align)",
         "P: touch buf len=4K write"]
    }

    func run() throws {
        let selected: [Era]
        if let eras {
            selected = try eras.split(separator: ",").map { name in
                guard let era = Era(name: String(name)) else {
                    throw ValidationError("unknown era \(name): "
                                          + Era.allCases.map(\.name).joined(separator: ", "))
                }
                return era
            }
        } else {
            selected = Era.allCases
        }
        print("gup-fast and slow GUP (get_user_pages, FOLL_GET) on one page; every cell is "
              + "a model run")
        for kind in Self.kinds {
            print("")
            print(kind.title)
            let rows = selected.map { era -> [String] in
                let fast = Self.cell(kind, era, fast: true)
                let slow = Self.cell(kind, era, fast: false)
                return [era.name, fast.entry, fast.result, slow.result]
            }
            let header = ["era", "entry", "gup-fast", "slow path"]
            let widths = (0..<3).map { c in
                (rows.map { $0[c].count } + [header[c].count]).max()! + 2
            }
            for row in [header] + rows {
                let line = (0..<3).map {
                    row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0)
                }
                    .joined() + row[3]
                print("  " + String(line.prefix(97)))
            }
        }
    }

    /// Runs one cell and describes the entry and the GUP result.
    static func cell(_ kind: EntryKind, _ era: Era, fast: Bool) -> (entry: String, result: String) {
        let source = (["MM gup-matrix-cell", "kernel \(era.name)", "init {", "  process P"]
            + kind.setup.map { "  " + $0 }
            + ["}", "T0 on P {", "  m = observe buf",
               "  n = gup buf pages=1 \(fast ? "fast " : "")\(kind.gupFlags)", "  put", "}",
               "expect pass"]).joined(separator: "\n")
        let loaded: ScenarioRunner.Loaded
        do {
            loaded = try ScenarioRunner.load(source: source, file: "gup-matrix")
        } catch {
            return ("(not expressible)",
                    "\(error)".split(separator: ":").last.map(String.init) ?? "")
        }
        let r = ScenarioRunner.runSequential(loaded)
        if case .int(let b)? = r.variables["init"]?["buf"], b < 0 {
            return ("mmap \(Value.int(b))", "-")
        }
        var entry = "?"
        if case .observation(let o)? = r.variables["T0"]?["m"] {
            var bits: [String] = []
            if o.special { bits.append("special") }
            if o.devmap { bits.append("devmap") }
            if o.level == "pmd" && !o.special && !o.devmap { bits.append("PSE only") }
            if o.normal { bits.append("normal") }
            entry = ([o.level] + bits).joined(separator: " ")
        }
        var result = r.variables["T0"]?["n"].map { value -> String in
            if case .int(let n) = value, n > 0 { return "\(n) page" }
            return value.description
        } ?? "?"
        if fast {
            let fellBack = (r.stats["gup_fast_fallbacks"] ?? 0) > 0
            result = fellBack ? "fell back; slow: \(result)" : "\(result) (fast)"
        }
        let refs = r.violations.filter {
            $0.hasPrefix("bad-page-ref") || $0.hasPrefix("use-after-free")
        }
        if let v = refs.first {
            result += " !" + (v.split(separator: " ").first.map(String.init) ?? "")
        }
        return (entry, result)
    }
}
