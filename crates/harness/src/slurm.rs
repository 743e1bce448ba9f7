//! The Slurm scripts of a planned experiment (`train::studies::plan`): a job array whose
//! task `i` trains run `i` (`harness compare --out DIR --run-index`, the index from
//! `SLURM_ARRAY_TASK_ID`), at most `max_parallel` at a time, and a collect job that runs after
//! every task has ended, however it ended (`--dependency=afterany`), and writes the report.
//! Pure text: submitting them (`sbatch`) is the caller's.

use std::path::{Path, PathBuf};

/// What the scripts need.
#[derive(Clone, Debug, PartialEq)]
pub struct SlurmJob {
    /// The experiment's name, in the job names.
    pub name: String,
    /// The plan's folder, absolute: on storage every node sees.
    pub out: PathBuf,
    /// The `harness` binary, absolute, as the nodes reach it.
    pub harness: PathBuf,
    /// Runs in the plan (the array is `0-(runs-1)`).
    pub runs: usize,
    /// `%K`: tasks at a time; all at once when `None`.
    pub max_parallel: Option<u64>,
    pub partition: Option<String>,
    /// `--time`, as Slurm writes it (`30`, `2:00:00`, `1-00:00:00`).
    pub time: Option<String>,
    pub cpus_per_task: u64,
    /// Further `#SBATCH` lines, each an sbatch option as written (`--mem=4G`).
    pub sbatch_args: Vec<String>,
    /// Arguments every task passes to `harness compare` (backend, data folder).
    pub harness_args: Vec<String>,
}

/// A value for a shell script: in single quotes, a `'` written `'\''`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn path_text(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

impl SlurmJob {
    /// The `#SBATCH` lines both jobs share: partition, time, extra options.
    fn common(&self) -> String {
        let mut lines = String::new();
        if let Some(p) = &self.partition {
            lines += &format!("#SBATCH --partition={p}\n");
        }
        if let Some(t) = &self.time {
            lines += &format!("#SBATCH --time={t}\n");
        }
        for arg in &self.sbatch_args {
            lines += &format!("#SBATCH {arg}\n");
        }
        lines
    }

    /// The array job: task `i` trains run `i` with `cpus_per_task` threads.
    pub fn array_script(&self) -> String {
        let limit = self
            .max_parallel
            .map_or_else(String::new, |k| format!("%{k}"));
        let last = self.runs.saturating_sub(1);
        let logs = self.out.join("slurm");
        let mut args = String::new();
        for a in &self.harness_args {
            args += " ";
            args += &quote(a);
        }
        format!(
            "#!/bin/bash\n\
             # Task i trains run i of the plan in {out}; a requeued task continues its run.\n\
             #SBATCH --job-name=harness-{name}\n\
             #SBATCH --array=0-{last}{limit}\n\
             #SBATCH --cpus-per-task={cpus}\n\
             #SBATCH --output={log}\n\
             #SBATCH --open-mode=append\n\
             {common}\
             exec {harness} compare --out {out_q} --run-index --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"{args}\n",
            out = self.out.display(),
            name = self.name,
            cpus = self.cpus_per_task,
            log = logs.join("run-%a.out").display(),
            common = self.common(),
            harness = path_text(&self.harness),
            out_q = path_text(&self.out),
        )
    }

    /// The collect job, submitted with `--dependency=afterany:<array job>`.
    pub fn collect_script(&self) -> String {
        format!(
            "#!/bin/bash\n\
             # The report of the plan in {out}, once every task of the array has ended.\n\
             #SBATCH --job-name=harness-{name}-collect\n\
             #SBATCH --cpus-per-task=1\n\
             #SBATCH --output={log}\n\
             {common}\
             exec {harness} compare --out {out_q} --collect\n",
            out = self.out.display(),
            name = self.name,
            log = self.out.join("slurm").join("collect.out").display(),
            common = self.common(),
            harness = path_text(&self.harness),
            out_q = path_text(&self.out),
        )
    }
}

/// The job id in `sbatch --parsable`'s answer (`123` or `123;cluster`).
pub fn job_id(parsable: &str) -> Option<u64> {
    parsable.trim().split(';').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            name: "tiny".into(),
            out: "/shared/grid".into(),
            harness: "/opt/harness/bin/harness".into(),
            runs: 4,
            max_parallel: Some(2),
            partition: Some("debug".into()),
            time: Some("30".into()),
            cpus_per_task: 2,
            sbatch_args: vec!["--mem=4G".into()],
            harness_args: vec!["--backend".into(), "flex".into()],
        }
    }

    #[test]
    fn the_array_trains_run_i_in_task_i_two_at_a_time() {
        let script = job().array_script();
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines[0], "#!/bin/bash");
        for line in [
            "#SBATCH --job-name=harness-tiny",
            "#SBATCH --array=0-3%2",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --output=/shared/grid/slurm/run-%a.out",
            "#SBATCH --partition=debug",
            "#SBATCH --time=30",
            "#SBATCH --mem=4G",
        ] {
            assert!(lines.contains(&line), "{line} missing from\n{script}");
        }
        assert_eq!(
            *lines.last().unwrap(),
            "exec '/opt/harness/bin/harness' compare --out '/shared/grid' --run-index \
             --threads \"${SLURM_CPUS_PER_TASK:-2}\" '--backend' 'flex'"
        );
        let all = SlurmJob {
            max_parallel: None,
            ..job()
        };
        assert!(all.array_script().contains("#SBATCH --array=0-3\n"));
    }

    #[test]
    fn the_collect_job_writes_the_report() {
        let script = job().collect_script();
        assert!(script.contains("#SBATCH --job-name=harness-tiny-collect\n"));
        assert!(
            script.ends_with(
                "exec '/opt/harness/bin/harness' compare --out '/shared/grid' --collect\n"
            )
        );
    }

    #[test]
    fn shell_quoting_and_job_ids() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(job_id("1234\n"), Some(1234));
        assert_eq!(job_id("77;cluster\n"), Some(77));
        assert_eq!(job_id("Submitted batch job 5"), None);
    }
}
