//! Work that holds a CPU for long (argon2, parsing a 50 MB spreadsheet or journal) runs on
//! tokio's blocking threads, never on the async workers that serve every other request.
//! [`run`] is the one way to do it.
use crate::{Error, Result};

/// Runs `f` on a blocking thread and waits for it. A panic inside is an internal error.
pub async fn run<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("blocking task: {e}")))
}

/// Starts `f` on a blocking thread without waiting (it reports through a channel).
pub fn spawn<T, F>(f: F) -> tokio::task::JoinHandle<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(f)
}

/// [`run`] for work that itself may fail.
pub async fn try_run<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    run(f).await?
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "current_thread")]
    async fn runs_off_the_async_thread() {
        let here = std::thread::current().id();
        let there = super::run(|| std::thread::current().id())
            .await
            .expect("ran");
        assert_ne!(here, there);
        let e = super::try_run(|| Err::<(), _>(crate::Error::invalid("f", "bad")))
            .await
            .expect_err("its error comes back");
        assert!(e.to_string().contains("bad"), "{e}");
    }
}
