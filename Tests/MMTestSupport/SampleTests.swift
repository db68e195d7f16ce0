/// Small tests several suites explore, written once.
public enum SampleTests {
    /// Three threads over one anonymous word holding 1: T0 stores 42, T1 and T2 each load
    /// it once. Its witness is `T1:a == 42 /\ T2:b == 1` (T1 after the store, T2 before).
    /// Each statement touches the frame in one step, the loads commute and the store
    /// conflicts with each: 2 × 2 = 4 Mazurkiewicz classes, one per final state.
    public static let threeThreads = """
        MM three-threads
        kernel v6.1

        init {
          main: buf = mmap anon len=4K
          main: store buf value=1
        }

        T0 {
          s = store buf value=42
        }

        T1 {
          a = load buf
        }

        T2 {
          b = load buf
        }

        exists (T1:a == 42 /\\ T2:b == 1)
        expect Sometimes
        """
}
