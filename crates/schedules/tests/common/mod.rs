//! One valid config per schedule kind, shared by the integration tests.

use schedules::{Schedule, ScheduleConfig};

/// `(kind, TOML)` for every kind, loss-driven and nested ones included.
pub const EXAMPLES: [(&str, &str); 17] = [
    (
        "constant",
        "kind = 'constant'\nlr = 0.1\nfactor = 0.5\ntotal_iters = 4",
    ),
    (
        "step",
        "kind = 'step'\nlr = 0.1\nstep_size = 3\ngamma = 0.5",
    ),
    (
        "multistep",
        "kind = 'multistep'\nlr = 0.1\nmilestones = [2, 5, 5, 9]",
    ),
    ("exponential", "kind = 'exponential'\nlr = 0.1\ngamma = 0.9"),
    (
        "cosine",
        "kind = 'cosine'\nlr = 0.1\nt_max = 7\neta_min = 0.001",
    ),
    (
        "cosine_restarts",
        "kind = 'cosine_restarts'\nlr = 0.1\nt_0 = 3\nt_mult = 2",
    ),
    (
        "cyclic",
        "kind = 'cyclic'\nbase_lr = 0.01\nmax_lr = 0.1\nstep_size_up = 4\nmode = 'triangular2'",
    ),
    (
        "one_cycle",
        "kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 30\nthree_phase = true",
    ),
    (
        "linear",
        "kind = 'linear'\nlr = 0.1\nstart_factor = 0.0\ntotal_iters = 6",
    ),
    (
        "polynomial",
        "kind = 'polynomial'\nlr = 0.1\ntotal_iters = 20\npower = 2.0",
    ),
    (
        "warmup",
        "kind = 'warmup'\nwarmup_steps = 5\n[then]\nkind = 'reduce_on_plateau'\nlr = 0.1\npatience = 1\nfactor = 0.5",
    ),
    (
        "sequential",
        "kind = 'sequential'\nmilestones = [4, 12]\n[[schedules]]\nkind = 'linear'\nlr = 0.1\n[[schedules]]\nkind = 'loss_spike'\nlr = 0.1\nspike_threshold = 1.05\n[[schedules]]\nkind = 'cosine'\nlr = 0.05\nt_max = 18",
    ),
    (
        "reduce_on_plateau",
        "kind = 'reduce_on_plateau'\nlr = 0.1\npatience = 2\ncooldown = 1\nfactor = 0.5",
    ),
    (
        "reduce_on_plateau",
        "kind = 'reduce_on_plateau'\nlr = 0.1\nmode = 'max'\nthreshold_mode = 'abs'\npatience = 0\nmin_lr = 0.001",
    ),
    (
        "loss_spike",
        "kind = 'loss_spike'\nlr = 0.1\ndecay = 'sqrt'",
    ),
    (
        "lr_range",
        "kind = 'lr_range'\nstart_lr = 1e-6\nend_lr = 1.0\nnum_iters = 25",
    ),
    (
        "warmup",
        "kind = 'warmup'\nwarmup_steps = 3\nstart_factor = 0.1\n[then]\nkind = 'one_cycle'\nmax_lr = 0.1\nepochs = 3\nsteps_per_epoch = 9",
    ),
];

pub fn schedule(toml_text: &str) -> Schedule {
    let config: ScheduleConfig = toml::from_str(toml_text).expect("example parses");
    Schedule::new(config).expect("example is valid")
}

/// A deterministic, noisy, mostly falling loss curve with spikes, so that loss-driven
/// schedules both cut and hold.
pub fn losses(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let k = k as f64;
            let spike = if (k as u64) % 7 == 3 { 1.4 } else { 1.0 };
            (2.0 / (1.0 + 0.1 * k) + 0.05 * (1.7 * k).sin()) * spike
        })
        .collect()
}
