//! `orgtrail-operator`: one binary, several subcommands.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use orgtrail_operator::api::crds;

#[derive(Parser)]
#[command(
    version,
    about = "Declare how AWS CloudTrail is wired into AWS Organizations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the CustomResourceDefinitions to `<out-dir>/<kind>.yaml`.
    Crdgen {
        /// Directory to write to.
        #[arg(long, default_value = "crds")]
        out_dir: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Crdgen { out_dir } => crdgen(&out_dir),
    }
}

fn crdgen(out_dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for (stem, crd) in crds::all() {
        let path = out_dir.join(format!("{stem}.yaml"));
        std::fs::write(&path, crds::to_yaml(&crd))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
