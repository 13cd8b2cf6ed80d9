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
        let list = |v: &[String]| v.join(",");
        let langs: Vec<String> = p.languages.iter().map(|l| l.code().to_string()).collect();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        sqlx::query(
            "INSERT INTO mentor_profiles (user_id, topics, languages, capacity, employer_region, pause_from, pause_until, bio, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET topics = excluded.topics, \
             languages = excluded.languages, capacity = excluded.capacity, employer_region = excluded.employer_region, \
             pause_from = excluded.pause_from, pause_until = excluded.pause_until, bio = excluded.bio, updated_at = excluded.updated_at",
        )
        .bind(mentor.id)
        .bind(list(&p.topics))
        .bind(langs.join(","))
        .bind(p.capacity)
        .bind(p.employer_region.clone())
        .bind(day(p.pause_from))
        .bind(day(p.pause_until))
        .bind(p.bio.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mentor_experience WHERE user_id = $1").bind(mentor.id).execute(&mut *tx).await?;
        for e in &p.experience {
            sqlx::query("INSERT INTO mentor_experience (user_id, fund, role, programme, region_code) VALUES ($1, $2, $3, $4, $5)")
                .bind(mentor.id)
                .bind(e.fund.as_str())
                .bind(serde_json::to_value(e.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
                .bind(e.programme.clone())
                .bind(e.region.clone())
                .execute(&mut *tx)
                .await?;
        }
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
