//! Filled by its owner.

#[derive(clap::Args, Debug, Clone)]
pub struct Args {}

pub async fn run(_args: Args, _database_url: Option<String>) -> anyhow::Result<()> {
    Ok(())
}
