//! `kvload --calibrate`: a fixed piece of integer work, timed on the CPU it runs on, so the runner can tell a machine
//! that changed speed between (or during) runs from a server that changed. The work touches no memory beyond a few
//! registers, so it measures the core itself: a slower figure after a run than before means the machine (the
//! hypervisor, a neighbour, the clock) moved, not the code under test.

use std::hint::black_box;

/// Rounds of work per call; the driver takes their median, which one interruption cannot move.
pub const ROUNDS: usize = 7;
/// About 4 ms per round on this project's 2-core VM: long against the clock's resolution, short against a run.
const STEPS_PER_ROUND: u32 = 2_000_000;

/// The CPU time of this thread, ns (CLOCK_THREAD_CPUTIME_ID): preemption by other tasks does not count.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the kernel to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// One round: a dependent chain of multiply-xorshift steps the compiler can neither skip nor vectorise.
fn round() -> u64 {
    let mut x = black_box(0x9e37_79b9_7f4a_7c15_u64);
    for _ in 0..black_box(STEPS_PER_ROUND) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 32;
    }
    black_box(x)
}

/// CPU ns of each of `ROUNDS` rounds.
pub fn calibrate() -> Vec<u64> {
    (0..ROUNDS)
        .map(|_| {
            let start = thread_cpu_ns();
            round();
            thread_cpu_ns() - start
        })
        .collect()
}
