//! A team of spinning helper threads that split large matrix products and batch gathers by
//! rows, and large in-place element-wise kernels by ranges (harness patch; see `PATCH.md`).
//!
//! gemm's own `Parallelism::Rayon` hands each product to rayon, whose idle workers fall asleep
//! microseconds after their last job. A training step of a small MLP runs two large products
//! with a fraction of a millisecond of other work between them, so every product paid a
//! wake-up and a second core bought nothing at batch 128. The helpers here spin for a while
//! after each job instead, so the next product of the step finds them awake, and park when the
//! process has nothing to split.
//!
//! The caller cuts its work into chunks and calls [`run`]; helpers and the caller claim chunks
//! from one counter, so a helper that is asleep or busy costs the caller its share of the
//! work, never a wait. A chunk of a product is an independent product over the same `k`, so
//! the values are those of the unsplit product, bit for bit; an element-wise kernel computes
//! each element alone, so cutting it changes nothing either.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a helper spins for the next job before it parks.
const SPIN: Duration = Duration::from_millis(2);
/// Spins between reads of the clock and `yield_now` calls.
const SPINS_PER_CHECK: u32 = 64;

/// A job: a function over chunk indices, erased to a data pointer and a trampoline.
#[derive(Clone, Copy)]
struct Job {
    data: *const (),
    call: unsafe fn(*const (), usize),
    chunks: usize,
}

struct Shared {
    /// Generation (high 32 bits) and next unclaimed chunk (low 32 bits).
    state: AtomicU64,
    /// The current job; written by the owner only while no chunk of the previous one is left.
    job: Mutex<Option<Job>>,
    /// Chunks of the current job finished by helpers or the owner.
    done: AtomicUsize,
    /// The payload of the first chunk of the current job that panicked, on any thread.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// One caller at a time owns the team; others run their product unsplit.
    busy: AtomicBool,
    /// Helpers that are parked (or about to be) and need an unpark.
    sleeping: Vec<AtomicBool>,
    threads: OnceLock<Vec<Thread>>,
}

// SAFETY: the raw pointer in `Job` is only dereferenced while its owner waits in `run`.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

/// A raw pointer that chunks of one job share; they read it, or write disjoint parts of it.
pub struct SharedPtr<T>(pub *mut T);
impl<T> Clone for SharedPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedPtr<T> {}
// SAFETY: the chunks that share it touch disjoint elements, and `run` outlives them.
unsafe impl<T> Send for SharedPtr<T> {}
unsafe impl<T> Sync for SharedPtr<T> {}
impl<T> SharedPtr<T> {
    /// The pointer (a method, so that closures capture the wrapper and not its field).
    pub fn get(self) -> *mut T {
        self.0
    }
}

static TEAM: OnceLock<Option<&'static Shared>> = OnceLock::new();

/// The variable that turns the team off: `0`, `off`, `false` or `no` (any case). Products,
/// gathers and element-wise kernels then take upstream's paths, as without the patch's parts
/// 2 and 3 (for A/B runs, and for many processes sharing few cores).
pub const SWITCH: &str = "HARNESS_FLEX_TEAM";

/// Whether `value` of [`SWITCH`] turns the team off.
pub fn switched_off(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "off" | "false" | "no"
    )
}

/// The team, sized to rayon's pool at first use: one helper fewer than its threads, so that
/// `--threads 1` gets no helper at all; none when [`SWITCH`] turns it off.
fn team() -> Option<&'static Shared> {
    *TEAM.get_or_init(|| {
        let helpers = rayon::current_num_threads().saturating_sub(1);
        let off = std::env::var(SWITCH).is_ok_and(|v| switched_off(&v));
        if helpers == 0 || off {
            return None;
        }
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            state: AtomicU64::new(0),
            job: Mutex::new(None),
            done: AtomicUsize::new(0),
            panic: Mutex::new(None),
            busy: AtomicBool::new(false),
            sleeping: (0..helpers).map(|_| AtomicBool::new(false)).collect(),
            threads: OnceLock::new(),
        }));
        let threads = (0..helpers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("flex-team-{i}"))
                    .spawn(move || helper(shared, i))
                    .map(|h| h.thread().clone())
            })
            .collect::<Result<Vec<_>, _>>();
        match threads {
            Ok(threads) => {
                let _ = shared.threads.set(threads);
                Some(shared)
            }
            Err(_) => None,
        }
    })
}

/// How many threads a split may use: the caller plus the helpers.
pub fn width() -> usize {
    team().map_or(1, |t| t.sleeping.len() + 1)
}

/// Smallest in-place element-wise kernel split over the team, in elements (256 kB of `f32`).
/// An optimizer's update of a 784×128 weight matrix (100,352 elements) is above it; the
/// activations of a batch of 128 through 128 units (16,384) stay whole.
pub const ELEMENTWISE_THRESHOLD: usize = 1 << 16;

/// Runs `f(start, len)` over `0..len` cut into one contiguous range per thread (multiples of
/// 64 elements), on the caller and the helpers; returns `false`, having run nothing, when there
/// is no helper or `len` is below [`ELEMENTWISE_THRESHOLD`]. For in-place element-wise
/// kernels, whose values do not depend on how the elements are cut.
pub fn split_elementwise(len: usize, f: impl Fn(usize, usize) + Sync) -> bool {
    let width = width();
    if width < 2 || len < ELEMENTWISE_THRESHOLD {
        return false;
    }
    run_ranges(len, len.div_ceil(width).next_multiple_of(64), f);
    true
}

/// Runs `f(start, len)` over `0..total` cut into ranges of `chunk` (the last one shorter), each
/// range exactly once, on the caller and the helpers, as [`run`] does with chunk indices.
pub fn run_ranges(total: usize, chunk: usize, f: impl Fn(usize, usize) + Sync) {
    run(total.div_ceil(chunk), |i| {
        let start = i * chunk;
        f(start, chunk.min(total - start));
    });
}

/// Runs `f(0..chunks)`, each index exactly once, on the caller and the helpers. Falls back to
/// running every chunk on the caller when there is no team or another caller owns it.
pub fn run<F: Fn(usize) + Sync>(chunks: usize, f: F) {
    let Some(team) = team() else {
        return (0..chunks).for_each(f);
    };
    if chunks < 2
        || team
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
    {
        return (0..chunks).for_each(f);
    }

    unsafe fn trampoline<F: Fn(usize)>(data: *const (), i: usize) {
        unsafe { (*(data as *const F))(i) }
    }
    let job = Job {
        data: &f as *const F as *const (),
        call: trampoline::<F>,
        chunks,
    };
    *lock(&team.job) = Some(job);
    team.done.store(0, Ordering::Relaxed);
    let generation = (team.state.load(Ordering::Relaxed) >> 32).wrapping_add(1) & 0xffff_ffff;
    team.state.store(generation << 32, Ordering::SeqCst);
    if let Some(threads) = team.threads.get() {
        for (flag, thread) in team.sleeping.iter().zip(threads) {
            if flag.swap(false, Ordering::SeqCst) {
                thread.unpark();
            }
        }
    }

    // A chunk that panics here must not unwind past the wait below: helpers may still be
    // running chunks that borrow `f`.
    let mut mine = 0;
    while let Some(i) = claim(team, generation, chunks) {
        run_chunk(team, || f(i));
        mine += 1;
    }
    team.done.fetch_add(mine, Ordering::AcqRel);
    let mut spins = 0u32;
    while team.done.load(Ordering::Acquire) < chunks {
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(SPINS_PER_CHECK) {
            thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    *lock(&team.job) = None;
    let panic = lock(&team.panic).take();
    team.busy.store(false, Ordering::Release);
    if let Some(payload) = panic {
        resume_unwind(payload);
    }
}

/// Claims the next chunk of job `generation`, or `None` when it has none left (or a newer
/// job replaced it).
fn claim(team: &Shared, generation: u64, chunks: usize) -> Option<usize> {
    let mut state = team.state.load(Ordering::Acquire);
    loop {
        let (g, next) = (state >> 32, (state & 0xffff_ffff) as usize);
        if g != generation || next >= chunks {
            return None;
        }
        match team.state.compare_exchange_weak(
            state,
            state + 1,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return Some(next),
            Err(now) => state = now,
        }
    }
}

/// Runs one chunk, keeping the payload of the job's first panic for its owner to re-raise.
fn run_chunk(team: &Shared, chunk: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(chunk)) {
        lock(&team.panic).get_or_insert(payload);
    }
}

/// Locks a mutex of the team, whose data stays valid if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn helper(team: &'static Shared, index: usize) {
    let mut seen = 0u64;
    loop {
        // Wait for a generation newer than the last one seen: spin, then park.
        let start = Instant::now();
        let mut spins = 0u32;
        let generation = loop {
            let g = team.state.load(Ordering::Acquire) >> 32;
            if g != seen {
                break g;
            }
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(SPINS_PER_CHECK) {
                std::hint::spin_loop();
                continue;
            }
            if start.elapsed() < SPIN {
                thread::yield_now();
                continue;
            }
            team.sleeping[index].store(true, Ordering::SeqCst);
            if team.state.load(Ordering::SeqCst) >> 32 == seen {
                thread::park();
            }
            team.sleeping[index].store(false, Ordering::SeqCst);
        };
        seen = generation;

        let Some(job) = *lock(&team.job) else {
            continue;
        };
        let mut finished = 0;
        while let Some(i) = claim(team, generation, job.chunks) {
            // SAFETY: the chunk was claimed under `generation`, so its owner is still waiting
            // in `run` for it and `job.data` is alive.
            run_chunk(team, || unsafe { (job.call)(job.data, i) });
            finished += 1;
        }
        team.done.fetch_add(finished, Ordering::AcqRel);
    }
}
