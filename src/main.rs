//! `mem`: parse the command line, run it, map the outcome to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    fixed_mmap_threshold();
    cli::main()
}

/// glibc raises its mmap threshold each time a large block is freed, after
/// which large blocks come from the brk heap and are never given back: an
/// import of 3,000 observations peaked at 290 MiB resident for under 6 MiB
/// of live data (valgrind massif). Setting the threshold fixes it, which
/// turns the adjustment off (mallopt(3)).
///
/// Fixed at 512 KiB, not at glibc's default of 128 KiB: every zlib stream
/// (a loose object, a pack entry, a body) allocates a state of about
/// 370 KiB, which above the threshold was a fresh mapping, zeroed page by
/// page and unmapped again. Page faults were a fifth of an import's time
/// (`perf record`); with the blocks kept on the heap an import of 100,000
/// ran in 27 s instead of 35 at the same peak, and a save took 838 page
/// faults instead of 1,392. The trim threshold, fixed with it at 128 KiB,
/// goes to 1 MiB so that freeing such a state at the top of the heap does
/// not hand it back only for the next stream to fault it in again.
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 512 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}
