//! `sequential`: PyTorch's SequentialLR. Each milestone is the optimizer step at which the next
//! schedule takes over; each schedule runs on its own clock, restarted at 0 at its milestone,
//! so a warm-up's own final value is never used at the hand-over, and a warm-up shorter than
//! its milestone holds its last LR in between.

use serde::{Deserialize, Serialize};

use crate::config::ScheduleConfig;
use crate::error::{Check, ScheduleError};

/// `kind = "sequential"`, with `[[schedules]]` tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequentialConfig {
    pub schedules: Vec<ScheduleConfig>,
    pub milestones: Vec<u64>,
}

impl SequentialConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        if self.schedules.is_empty() || self.milestones.len() + 1 != self.schedules.len() {
            return Err(ScheduleError::MilestoneCount {
                field: check.field("milestones"),
                schedules: self.schedules.len(),
                milestones: self.milestones.len(),
            });
        }
        let increasing = self.milestones.first().is_none_or(|&m| m >= 1)
            && self.milestones.windows(2).all(|w| w[0] < w[1]);
        if !increasing {
            return Err(ScheduleError::MilestonesNotIncreasing {
                field: check.field("milestones"),
                value: self.milestones.clone(),
            });
        }
        for (i, schedule) in self.schedules.iter().enumerate() {
            schedule.validate_at(&check.field(&format!("schedules[{i}]")))?;
        }
        Ok(())
    }

    /// Index of the schedule in charge of step `k`: the number of milestones at or before it.
    pub fn active(&self, k: u64) -> usize {
        self.milestones.partition_point(|&m| k >= m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestone_hands_over_at_its_step() {
        let cfg: SequentialConfig = toml::from_str(
            "milestones = [3, 5]\n\
             [[schedules]]\nkind = \"constant\"\nlr = 1.0\n\
             [[schedules]]\nkind = \"constant\"\nlr = 2.0\n\
             [[schedules]]\nkind = \"constant\"\nlr = 3.0",
        )
        .unwrap();
        let active: Vec<usize> = (0..7).map(|k| cfg.active(k)).collect();
        assert_eq!(active, [0, 0, 0, 1, 1, 2, 2]);
    }
}
