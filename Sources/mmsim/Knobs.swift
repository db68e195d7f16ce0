import ArgumentParser
import MMKernel

/// `mmsim knobs`: every knob with its meaning, source and default per era.
struct Knobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the eras and knobs, with each knob's source and default per era.")

    func run() {
        print("Eras: " + Era.allCases.map(\.name).joined(separator: " "))
        for knob in Knob.allCases {
            let info = knob.info
            print("")
            print(info.name)
            print(info.summary.wrapped(indent: "  "), terminator: "")
            print(info.source.wrapped(indent: "  source:"), terminator: "")
            print(Era.allCases.map { "\($0.name) \(knob.defaultValue(in: $0) ? "on" : "off")" }
                .joined(separator: ", ").wrapped(indent: "  default:"), terminator: "")
        }
    }
}
