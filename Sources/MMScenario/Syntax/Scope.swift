/// What is defined at one point of a test: devices, mounts, files, processes, buffers and
/// variables. Threads start from a copy of `init`'s scope, so a thread sees `init`'s names
/// and its own, never another thread's (their order is not fixed).
struct Scope {
    /// A `pmem` or `disk`.
    struct Device {
        /// The pmem mode, nil for a disk.
        var pmemMode: PmemMode?
        /// `mkfs` ran on it.
        var hasFilesystem = false
        /// Where it is mounted.
        var mountedOn: String?
        /// Where it was created.
        let location: SourceLocation

        var kindName: String { pmemMode.map { "a mode=\($0.rawValue) pmem" } ?? "a disk" }
    }

    /// A mount point: a block filesystem (`device` set) or hugetlbfs.
    struct Mount {
        /// The device, nil for hugetlbfs.
        let device: String?
        /// Mounted with `dax`.
        let dax: Bool
    }

    /// A variable and the op whose result it holds (`fork` makes it a process, `observe`
    /// gives it fields).
    struct Variable {
        /// The op's name.
        let op: String
        /// Where it was assigned.
        let location: SourceLocation
    }

    var devices: [String: Device] = [:]
    /// Region number → pmem name.
    var regions: [Int: String] = [:]
    var mounts: [String: Mount] = [:]
    /// Path → on hugetlbfs, and where it was created.
    var files: [String: (hugetlbfs: Bool, location: SourceLocation)] = [:]
    var processes: [String: SourceLocation] = [:]
    var buffers: [String: (kind: BufferKind, location: SourceLocation)] = [:]
    var variables: [String: Variable] = [:]
    /// `gup ... pin` statements so far in this block.
    var pinningGups = 0
    /// `gup` statements without `pin` so far in this block.
    var referencingGups = 0

    /// Keeps `self`'s entries and adds what `other` created or changed (threads' resources
    /// become visible to `finally`).
    mutating func mergeResources(of other: Scope) {
        devices.merge(other.devices) { _, new in new }
        regions.merge(other.regions) { _, new in new }
        mounts.merge(other.mounts) { _, new in new }
        files.merge(other.files) { _, new in new }
        processes.merge(other.processes) { _, new in new }
        buffers.merge(other.buffers) { _, new in new }
    }

    /// The mount point a path lies under (the longest one), if any.
    func mount(containing path: String) -> (path: String, mount: Mount)? {
        mounts.filter { path.hasPrefix($0.key + "/") }.max { $0.key.count < $1.key.count }
            .map { ($0.key, $0.value) }
    }

    /// `main, P, Q` for messages.
    var processList: String { (["main"] + processes.keys.sorted()).joined(separator: ", ") }

    /// `/mnt, /huge` for messages.
    var mountList: String { mounts.isEmpty ? "none" : mounts.keys.sorted().joined(separator: ", ") }

    /// `pmem0, disk0` for messages.
    var deviceList: String {
        devices.isEmpty ? "none" : devices.keys.sorted().joined(separator: ", ")
    }
}

/// The kinds of exported buffer.
enum BufferKind: String {
    case dmabuf
    case p2pmem
}
