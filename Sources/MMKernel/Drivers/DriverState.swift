import MMExplore

/// State of the drivers of one execution: TTM buffer objects exported as dma-bufs, PCI
/// P2PDMA providers, AF_PACKET rings, reached through `Kernel.drivers`. Each is one coarse
/// object of the access log: every access through these properties records it.
public struct DriverState {
    /// Where accesses are recorded.
    private let log: AccessLog
    private var ttmStore = TTMState()
    private var p2pdmaStore = P2PDMAState()
    private var socketPagesStore: [Pfn] = []

    /// No buffer objects, providers or rings yet.
    init(log: AccessLog) { self.log = log }

    /// TTM buffer objects exported as dma-bufs (Drivers/TTMBufferObject.swift).
    public var ttm: TTMState {
        get { log.read(Obj.bo(-1)); return ttmStore }
        _modify { log.write(Obj.bo(-1)); yield &ttmStore }
    }

    /// PCI P2PDMA providers and their genpools (Drivers/P2PDMA.swift).
    public var p2pdma: P2PDMAState {
        get { log.read(Obj.genpool(-1)); return p2pdmaStore }
        _modify { log.write(Obj.genpool(-1)); yield &p2pdmaStore }
    }

    /// Pages AF_PACKET rings hold until their sockets close (Drivers/PacketRing.swift).
    var socketPages: [Pfn] {
        get { log.read(Obj.socketPages); return socketPagesStore }
        _modify { log.write(Obj.socketPages); yield &socketPagesStore }
    }

    /// The audit's unrecorded view of the TTM state (Check/StateAudit.swift).
    var ttmUnrecorded: TTMState { ttmStore }
    /// The audit's unrecorded view of the P2PDMA state (Check/StateAudit.swift).
    var p2pdmaUnrecorded: P2PDMAState { p2pdmaStore }
}
