// swift-tools-version:6.1
import PackageDescription

/// Settings of the model and the explorer: async functions run on their caller's executor
/// instead of hopping (the explorer's executor is the only one). No unsafe flags: SwiftPM
/// refuses them in a versioned dependency, and the library products are meant to be one.
/// The speed `-enforce-exclusivity=unchecked` gave comes instead from
/// `@exclusivity(unchecked)` on the stored properties of the hot classes (Kernel, MM, KTask,
/// Execution, AccessLog, ExecThread, LoopExecutor), found with callgrind (swift_beginAccess
/// was 31% of a populate's instructions). `mmsim bench`, release, populate 1 GiB: with the
/// flag 452k faults/s, without flag or attributes 217k, with the attributes 400-424k.
let modelSettings: [SwiftSetting] = [
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

/// Every other target, tests included, shares the model's async semantics (closure types
/// such as ExecThread.spawn's must agree across modules).
let sameAsync: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "mmsim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mmsim", targets: ["mmsim"]),
        .library(name: "MMKernel", targets: ["MMKernel"]),
        .library(name: "MMExplore", targets: ["MMExplore"]),
        .library(name: "MMScenario", targets: ["MMScenario"]),
        .library(name: "MMReport", targets: ["MMReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The explorer: deterministic execution, scheduling points, strategies. Knows nothing of mm.
        .target(name: "MMExplore", swiftSettings: modelSettings),
        // The model: kernel state and algorithms, eras and knobs, checkers.
        .target(name: "MMKernel", dependencies: ["MMExplore"], swiftSettings: modelSettings),
        // The .litmus format: lexer, parser, AST, semantic checks, compiling tests into threads.
        .target(name: "MMScenario", dependencies: ["MMKernel", "MMExplore"], swiftSettings: sameAsync),
        // Renderers: herd-style text and JSON.
        .target(name: "MMReport", dependencies: ["MMScenario"], swiftSettings: sameAsync),
        // glibc allocator tuning for the command (mallopt is not in Swift's Glibc module).
        .target(name: "CHeapTuning"),
        .executableTarget(
            name: "mmsim",
            dependencies: [
                "MMKernel", "MMExplore", "MMScenario", "MMReport", "CHeapTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sameAsync),
        .testTarget(name: "MMExploreTests", dependencies: ["MMExplore"], swiftSettings: sameAsync),
        .testTarget(name: "MMKernelTests", dependencies: ["MMKernel", "MMExplore"], swiftSettings: sameAsync),
        // Tests' access to the package's fresh release build (explorations too slow in debug).
        .target(name: "MMTestSupport", path: "Tests/MMTestSupport", swiftSettings: sameAsync),
        .testTarget(name: "MMScenarioTests", dependencies: ["MMScenario", "MMKernel", "MMTestSupport"],
                    swiftSettings: sameAsync),
        .testTarget(name: "MMReportTests", dependencies: ["MMReport", "MMScenario", "MMTestSupport"],
                    swiftSettings: sameAsync),
    ],
    swiftLanguageModes: [.v5]
)
