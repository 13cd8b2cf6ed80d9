//! A mentor's profile: saving it and pausing.

use super::*;

impl Mentorship {
    pub async fn save_profile(&self, mentor: &User, p: &ValidProfile) -> MResult<()> {
        if mentor.role != Role::Mentor {
            return Err(Refusal::forbidden(
                "Solo i mentor hanno un profilo di mentorship.",
                "Only mentors have a mentorship profile.",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::save_profile(&mut tx, mentor.id, p, now).await?;
        store::replace_experience(&mut tx, mentor.id, &p.experience).await?;
        // A pause that ends later frees the mentor then: run again the day after.
        if let Some(until) = p.pause_until.filter(|u| *u >= local_date(now)) {
            if let Some(next) = until.succ_opt() {
                let key = format!("{JOB_RUN}:pause:{}:{next}", mentor.id);
                let job = NewJob {
                    key: &key,
                    kind: JOB_RUN,
                    payload: serde_json::json!({}),
                    run_at: local_midnight_ms(next),
                };
                jobs::schedule(&mut tx, now, &job).await?;
            }
        }
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }
}
