// swift-tools-version:6.1
import PackageDescription

/// An example of mmsim as a Swift library: a test suite of one's own that builds and
/// explores tests with mmsim's API. It depends on mmsim by path; from another machine use
/// `.package(url: "https://.../mmsim", from: "...")` with the same products.
let package = Package(
    name: "library-use",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mmsim", path: "../.."),
    ],
    targets: [
        .testTarget(
            name: "RaceChecksTests",
            dependencies: [
                .product(name: "MMScenario", package: "mmsim"),
                .product(name: "MMExplore", package: "mmsim"),
            ]),
    ]
)
