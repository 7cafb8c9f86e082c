//! `kvload --pingpong`: how steadily this machine does one fixed piece of loopback work, apart from any server's or
//! client's code. One thread echoes small messages over loopback TCP, another sends one and waits for it, N times,
//! each thread on its own CPU when the process may use two (the first for the echo, as the runner puts the server on
//! the first half). Both threads' CPU time is read on the thread itself (CLOCK_THREAD_CPUTIME_ID), so waiting does not
//! count and neither does the hypervisor's steal.
//!
//! A server's CPU per request on loopback is mostly this path: system calls, TCP, wake-ups across CPUs. When the
//! same fixed ping-pong costs 15 % more CPU in one minute than in the next, a server measured in those minutes moves
//! as much, and no harness can report it more steadily than the machine runs it (scripts/host-floor.mjs).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};

use crate::calibrate::thread_cpu_ns;

/// Bytes per message: a small request, as a KV client sends.
const MESSAGE_BYTES: usize = 64;

/// One ping-pong's figures.
pub struct PingPong {
    pub round_trips: u64,
    /// CPU ns of the echoing thread, and of the sending one.
    pub echo_cpu_ns: u64,
    pub sender_cpu_ns: u64,
    pub wall_ns: u64,
    /// The CPUs the two threads were pinned to; None where the process may use only one.
    pub echo_cpu: Option<usize>,
    pub sender_cpu: Option<usize>,
}

/// The CPUs this process may run on (its taskset).
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set for the kernel to fill; CPU_ISSET reads within it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Pins the calling thread to one CPU.
fn pin_this_thread(cpu: usize) -> std::io::Result<()> {
    // SAFETY: as above; pid 0 is the calling thread.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

pub fn pingpong(round_trips: u64) -> std::io::Result<PingPong> {
    let cpus = allowed_cpus();
    let (echo_cpu, sender_cpu) = match cpus.as_slice() {
        [first, .., last] => (Some(*first), Some(*last)),
        _ => (None, None),
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    let echo = std::thread::spawn(move || -> std::io::Result<u64> {
        if let Some(cpu) = echo_cpu {
            pin_this_thread(cpu)?;
        }
        let (mut stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        let start = thread_cpu_ns();
        let mut message = [0_u8; MESSAGE_BYTES];
        for _ in 0..round_trips {
            stream.read_exact(&mut message)?;
            stream.write_all(&message)?;
        }
        Ok(thread_cpu_ns() - start)
    });
    if let Some(cpu) = sender_cpu {
        pin_this_thread(cpu)?;
    }
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut message = [0x5a_u8; MESSAGE_BYTES];
    let (start, wall) = (thread_cpu_ns(), std::time::Instant::now());
    for _ in 0..round_trips {
        stream.write_all(&message)?;
        stream.read_exact(&mut message)?;
    }
    let sender_cpu_ns = thread_cpu_ns() - start;
    let wall_ns = wall.elapsed().as_nanos() as u64;
    let echo_cpu_ns = echo
        .join()
        .map_err(|_| std::io::Error::other("the echo thread panicked"))??;
    Ok(PingPong {
        round_trips,
        echo_cpu_ns,
        sender_cpu_ns,
        wall_ns,
        echo_cpu,
        sender_cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_trip_is_made_and_costs_cpu_on_both_threads() {
        let p = pingpong(200).expect("a loopback ping-pong");
        assert_eq!(p.round_trips, 200);
        assert!(
            p.echo_cpu_ns > 0 && p.sender_cpu_ns > 0,
            "both threads did system calls"
        );
        // Each thread waits for the other in every round trip, so the wall time covers at least one side's CPU.
        assert!(p.wall_ns >= p.sender_cpu_ns.min(p.echo_cpu_ns));
    }
}
