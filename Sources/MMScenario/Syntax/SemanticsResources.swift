/// Name checks for devices, filesystems, files and buffers: a kernel developer's rules for
/// what can exist (docs/scenario-extensions.md, "Semantic checks").
extension Semantics {
    // MARK: Devices

    /// Defines a pmem namespace and returns its region number.
    mutating func definePmem(_ name: String, mode: PmemMode,
                             at location: SourceLocation) throws(Diagnostic) -> Int {
        try checkNewDevice(name, at: location)
        let region = regionCount
        regionCount += 1
        scope.devices[name] = Scope.Device(pmemMode: mode, location: location)
        scope.regions[region] = name
        return region
    }

    mutating func defineDisk(_ name: String, at location: SourceLocation) throws(Diagnostic) {
        try checkNewDevice(name, at: location)
        scope.devices[name] = Scope.Device(pmemMode: nil, location: location)
    }

    private func checkNewDevice(_ name: String, at location: SourceLocation) throws(Diagnostic) {
        if let earlier = scope.devices[name] {
            throw Diagnostic("device `\(name)` is already defined at "
                             + "\(earlier.location.line):\(earlier.location.column)",
                             at: location)
        }
    }

    @discardableResult
    func checkDevice(_ name: String,
                     at location: SourceLocation) throws(Diagnostic) -> Scope.Device {
        guard let device = scope.devices[name] else {
            throw Diagnostic("undefined device `\(name)` (devices: \(scope.deviceList); "
                             + "create one with `pmem NAME size=S` or `disk NAME size=S`)",
                             at: location)
        }
        return device
    }

    /// A device with a block device: everything but device-dax, which is a character device.
    private func checkBlockDevice(_ name: String, at location: SourceLocation,
                                  for what: String) throws(Diagnostic) {
        let device = try checkDevice(name, at: location)
        if device.pmemMode == .devdax {
            throw Diagnostic("`\(name)` is mode=devdax: it has no block device for \(what) (use "
                             + "mode=fsdax)",
                             at: location)
        }
    }

    mutating func makeFilesystem(on name: String, at location: SourceLocation) throws(Diagnostic) {
        try checkBlockDevice(name, at: location, for: "mkfs")
        if let path = scope.devices[name]?.mountedOn {
            throw Diagnostic("`\(name)` is mounted on \(path): mkfs would destroy a mounted "
                             + "filesystem", at: location)
        }
        scope.devices[name]?.hasFilesystem = true
    }

    mutating func mount(_ name: String, at location: SourceLocation, path: String,
                        pathLocation: SourceLocation,
                        dax: Bool) throws(Diagnostic) {
        let device = try checkDevice(name, at: location)
        guard device.hasFilesystem else {
            throw Diagnostic("`\(name)` has no filesystem: add `mkfs \(name) ext4` (or xfs) before "
                             + "mounting it",
                             at: location)
        }
        if let mounted = device.mountedOn {
            throw Diagnostic("`\(name)` is already mounted on \(mounted)", at: location)
        }
        if dax, device.pmemMode == nil {
            throw Diagnostic("`dax` needs a pmem device; `\(name)` is a disk", at: location)
        }
        try checkNewMountPoint(path, at: pathLocation)
        scope.devices[name]?.mountedOn = path
        scope.mounts[path] = Scope.Mount(device: name, dax: dax)
    }

    mutating func mountHugetlbfs(_ path: String, at location: SourceLocation) throws(Diagnostic) {
        try checkNewMountPoint(path, at: location)
        scope.mounts[path] = Scope.Mount(device: nil, dax: false)
    }

    private func checkNewMountPoint(_ path: String,
                                    at location: SourceLocation) throws(Diagnostic) {
        if scope.mounts[path] != nil {
            throw Diagnostic("\(path) is already a mount point", at: location)
        }
        if scope.files[path] != nil {
            throw Diagnostic("\(path) is a file, not a directory to mount on", at: location)
        }
    }

    // MARK: Files

    /// Defines a file; returns true when it is on hugetlbfs.
    mutating func defineFile(_ path: String,
                             at location: SourceLocation) throws(Diagnostic) -> Bool {
        guard let (_, mount) = scope.mount(containing: path) else {
            throw Diagnostic("`\(path)` is not on a mounted filesystem or hugetlbfs (mounts: "
                             + "\(scope.mountList))",
                             at: location)
        }
        if let earlier = scope.files[path] {
            throw Diagnostic("file `\(path)` is already created at "
                             + "\(earlier.location.line):\(earlier.location.column)",
                             at: location)
        }
        let hugetlbfs = mount.device == nil
        scope.files[path] = (hugetlbfs, location)
        return hugetlbfs
    }

    func checkFile(_ path: String, at location: SourceLocation) throws(Diagnostic) {
        guard scope.files[path] == nil else { return }
        if scope.mount(containing: path) != nil {
            throw Diagnostic("undefined file `\(path)` (create it with `file \(path) size=S`)",
                             at: location)
        }
        throw Diagnostic("undefined file `\(path)`: no filesystem or hugetlbfs is mounted there "
                             + "(mounts: \(scope.mountList))", at: location)
    }

    // MARK: Buffers

    mutating func defineBuffer(_ name: String, kind: BufferKind,
                               at location: SourceLocation) throws(Diagnostic) {
        if let earlier = scope.buffers[name] {
            throw Diagnostic("buffer `\(name)` is already defined (a \(earlier.kind.rawValue)) at "
                                 + "\(earlier.location.line):\(earlier.location.column)",
                                 at: location)
        }
        scope.buffers[name] = (kind, location)
    }

    func buffer(_ name: String, at location: SourceLocation) throws(Diagnostic) -> BufferRef {
        guard let buffer = scope.buffers[name] else {
            throw Diagnostic("undefined buffer `\(name)` (create it with `dmabuf "
                             + "\(name) size=S` or `p2pmem \(name) size=S`)", at: location)
        }
        return buffer.kind == .dmabuf ? .dmabuf(name) : .p2pmem(name)
    }

    private func buffer(_ name: String, kind: BufferKind,
                        at location: SourceLocation) throws(Diagnostic) {
        guard let buffer = scope.buffers[name] else {
            throw Diagnostic("undefined \(kind.rawValue) `\(name)` (create it with "
                             + "`\(kind.rawValue) \(name) size=S`)",
                             at: location)
        }
        guard buffer.kind == kind else {
            throw Diagnostic("`\(name)` is a \(buffer.kind.rawValue), not a "
                             + "\(kind.rawValue): map it as \(buffer.kind.rawValue):\(name)",
                             at: location)
        }
    }

    // MARK: Targets

    /// `mmap`'s TARGET.
    func mapTarget(_ argument: RawArgument) throws(Diagnostic) -> MmapTarget {
        let text = argument.text
        let location = argument.location
        if text == "anon" { return .anon }
        if text == "/dev/mem" { return .devMem }
        if text == "packet_ring" { return .packetRing }
        if text.hasPrefix("/dev/dax") { return try devDax(text, at: location) }
        for kind in [BufferKind.dmabuf, .p2pmem] where text.hasPrefix(kind.rawValue + ":") {
            let name = String(text.dropFirst(kind.rawValue.count + 1))
            guard ValueParsing.isIdentifier(name) else {
                throw Diagnostic("bad buffer name in `\(text)`", at: location)
            }
            try buffer(name, kind: kind, at: location)
            return kind == .dmabuf ? .dmabuf(name) : .p2pmem(name)
        }
        if ValueParsing.isPath(text) {
            try checkFile(text, at: location)
            return .file(text)
        }
        throw Diagnostic("bad mmap target `\(text)`: anon, a file path, /dev/daxN.M, /dev/mem, "
                         + "dmabuf:NAME, p2pmem:NAME or packet_ring", at: location)
    }

    /// `/dev/daxN.M`: region N must be a mode=devdax pmem, and M is 0 (one namespace each).
    private func devDax(_ text: String,
                        at location: SourceLocation) throws(Diagnostic) -> MmapTarget {
        let numbers =
            text.dropFirst("/dev/dax".count).split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 2, let region = Int(numbers[0]), let index = Int(numbers[1]),
              region >= 0, index >= 0, numbers.allSatisfy({ $0.allSatisfy(\.isASCII) }) else {
            throw Diagnostic("bad device-dax path `\(text)`: write /dev/daxN.0 for pmem region N",
                             at: location)
        }
        guard let name = scope.regions[region], let device = scope.devices[name] else {
            let known = scope.regions.keys.sorted().map(String.init).joined(separator: ", ")
            throw Diagnostic("undefined device `\(text)`: there is no pmem region "
                             + "\(region) (regions: \(known.isEmpty ? "none" : known), numbered by "
                             + "pmem statement order)",
                             at: location)
        }
        guard device.pmemMode == .devdax else {
            throw Diagnostic("undefined device `\(text)`: region \(region) (`\(name)`) is "
                             + "\(device.kindName), not mode=devdax", at: location)
        }
        guard index == 0 else {
            throw Diagnostic("undefined device `\(text)`: region \(region) has one namespace, "
                             + "/dev/dax\(region).0",
                             at: location)
        }
        return .devDax(region: region, index: index)
    }

    /// The file or block device of `dio_read`/`dio_write`.
    func ioTarget(_ argument: RawArgument) throws(Diagnostic) -> IOTarget {
        let text = argument.text
        var deviceName = text
        if text.hasPrefix("/dev/") { deviceName = String(text.dropFirst(5)) }
        if ValueParsing.isIdentifier(deviceName),
           !text.hasPrefix("/") || scope.devices[deviceName] != nil {
            try checkBlockDevice(deviceName, at: argument.location, for: "direct I/O")
            return .device(deviceName)
        }
        guard ValueParsing.isPath(text) else {
            throw Diagnostic("direct I/O needs a file path or a block device, not `\(text)`",
                             at: argument.location)
        }
        try checkFile(text, at: argument.location)
        return .file(text)
    }
}
