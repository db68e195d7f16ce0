import ArgumentParser
import MMKernel

/// `mmsim entries`: the page-table entry each era writes for each kind of device mapping,
/// computed by running the model (EntryProbe in MMKernel). Add rows by appending probe
/// lists to `probes`.
struct Entries: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the entry bits each era writes for DAX, device-dax and PFN mappings.")

    /// Every row, in order.
    static var probes: [EntryProbe] { EntryProbe.dax + EntryProbe.drivers }

    func run() {
        for probe in Entries.probes {
            print(probe.name)
            for era in Era.allCases {
                let e = probe.entry(in: era)
                let hex = "0x" + String(e.value, radix: 16)
                print("  \(era.name.padding(toLength: 6, withPad: " ", startingAt: 0)) "
                      + "\(hex.padding(toLength: 20, withPad: " ", startingAt: 0)) \(e.text)")
            }
        }
    }
}
