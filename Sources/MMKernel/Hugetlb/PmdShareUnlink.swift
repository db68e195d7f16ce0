/// Removing vmas whose page tables another process may be sharing.
extension Kernel {
    /// Removes the vmas at `range` of `mm` from the process (the model's vma tree) and,
    /// for every file vma whose PMD tables can be shared (hugetlb; fs-dax with
    /// `fsdax_pmd_share`), models unlink_file_vma() (mm/mmap.c, called by free_pgtables
    /// before any table is freed): the vma leaves i_mmap under i_mmap_rwsem for write, so
    /// a huge_pmd_share()/pmd_share() walk, which holds i_mmap_rwsem, either finished
    /// taking its share of the table or never finds the vma. Other vmas are removed
    /// without the lock, as before.
    func unlinkSharedFileVMAs(_ t: KTask, mm: MMID, _ range: Range<Int>) async {
        var inodes: [InodeID] = []
        for v in mms[mm].vmas[range] {
            switch v.backing {
            case .hugetlb(let inode): if !inodes.contains(inode) { inodes.append(inode) }
            case .fsDax(let inode) where config.has(.fsdaxPmdShare):
                if !inodes.contains(inode) { inodes.append(inode) }
            default: break
            }
        }
        inodes.sort { $0.raw < $1.raw }
        for inode in inodes { await lock(t, .iMmap(inode: inode)) }
        for v in mms[mm].vmas[range] where v.hugetlbVmaLock >= 0 {
            hugetlb.vmaGone[Int(v.hugetlbVmaLock)] = true
        }
        mms[mm].vmas.removeSubrange(range)
        for inode in inodes.reversed() { await unlock(t, .iMmap(inode: inode)) }
    }
}
