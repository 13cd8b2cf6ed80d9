//! Coordinators' review of suggested matches and the assignment mode.

use super::*;

impl Mentorship {
    /// Suggestions → proposals. With `ids` empty, every suggestion awaiting review.
    pub async fn approve(&self, coordinator: &User, ids: &[i64]) -> MResult<usize> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        self.lock_assignments(&mut tx).await?;
        let list = if ids.is_empty() {
            let f = store::MatchFilter { states: vec![MatchState::Suggested], ..Default::default() };
            store::matches(&mut tx, &f, 100_000).await?
        } else {
            let mut list = Vec::new();
            for &id in ids {
                list.push(store::get_match(&mut tx, id).await?.ok_or(Refusal::NotFound)?);
            }
            list
        };
        // A suggestion may have waited days: the mentor may have paused, filled up or left since.
        let mut proposed = 0;
        for m in &list {
            if m.state == MatchState::Suggested && !self.recheck(&mut tx, m, Actor::User(coordinator), now).await? {
                continue;
            }
            let m = store::get_match(&mut tx, m.id).await?.ok_or(Refusal::NotFound)?;
            self.propose(&mut tx, &m, Actor::User(coordinator), None, now).await?;
            proposed += 1;
        }
        self.commit(tx).await?;
        if proposed < list.len() {
            self.rerun().await;
        }
        Ok(proposed)
    }

    /// A coordinator takes a suggestion or proposal back; the request gets a new run.
    pub async fn withdraw_match(&self, coordinator: &User, id: i64, reason: Option<&str>) -> MResult<()> {
        optional_reason(reason)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let m = self.visible_match(&mut tx, coordinator, id).await?;
        self.take_off(&mut tx, &m, Actor::User(coordinator), reason, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    pub async fn set_auto(&self, coordinator: &User, on: bool) -> MResult<()> {
        let now = self.now();
        store::set_auto_mode(self.db.pool(), on, now).await?;
        tracing::info!(by = coordinator.id, on, "mentorship automatic mode");
        if on {
            // Automatic from now on: the suggestions already waiting go out too.
            self.approve(coordinator, &[]).await?;
        }
        Ok(())
    }
}
