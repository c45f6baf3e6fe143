// swift-tools-version: 6.1
// The roof check of Benchmarks/README.md ("The roof: tall-skinny"): PossumLinalg (a symlink to the
// engine's sources) and one executable that times a path and the micro-kernel in the same process.
import PackageDescription

let package = Package(
    name: "roof",
    targets: [
        .target(name: "PossumLinalg"),
        .executableTarget(name: "roof", dependencies: ["PossumLinalg"]),
    ]
)
