//! One run of the build script: the mode, the crate's folder and the
//! models read from the environment and the source; then the models
//! compared with the migrations and the migration written, or the build
//! failed, and schema.rs kept in step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::freshness::{self, FolderLock};
use super::{
    name, relative, scan, Builder, Dialect, Env, Mode, Report, Source, SourceError, MODE_VAR,
    NAME_VAR,
};
use crate::migrations::{
    check_schema_rs, names, schema_file, validate_name, write_schema_rs, Draft, Migrations,
    SchemaRsState, LBACK_DIR,
};
use crate::schema::Schema;
use crate::schema_rs::SchemaFile;
use crate::Error;

impl Builder {
    pub(super) fn run_with(&self, env: &Env, out: &mut dyn Write) -> Result<Report, Error> {
        let mut say = |line: String| {
            // A closed stdout loses only cargo's bookkeeping, not the run.
            let _ = writeln!(out, "{line}");
        };
        say(format!("cargo:rerun-if-env-changed={MODE_VAR}"));
        say(format!("cargo:rerun-if-env-changed={NAME_VAR}"));
        let (mode, why) = self.resolve_mode(env)?;
        if mode == Mode::Off {
            return Ok(Report::Off);
        }
        let manifest = self.manifest(env)?;
        let dir = manifest.join(&self.migrations_dir);
        let (sources, schema) = self.models(&manifest, env);
        for source in &sources {
            say(format!(
                "cargo:rerun-if-changed={}",
                relative(&manifest, source).display()
            ));
        }
        let run = Run {
            builder: self,
            env,
            manifest: &manifest,
            dir: &dir,
            sources: &sources,
            mode,
            why,
        };
        let result = schema.and_then(|schema| run.compare(schema, &mut say));
        if dir.is_dir() {
            say(format!(
                "cargo:rerun-if-changed={}",
                relative(&manifest, &dir).display()
            ));
        }
        result
    }

    /// The mode, and in words why (for the check failure's message).
    pub(super) fn resolve_mode(&self, env: &Env) -> Result<(Mode, String), Error> {
        if let Some(text) = env.mode.as_deref().filter(|t| !t.trim().is_empty()) {
            let mode: Mode = text.parse()?;
            return Ok((mode, format!("{MODE_VAR}={}", mode.name())));
        }
        if let Some(mode) = self.mode {
            return Ok((mode, format!("build.rs sets Mode::{mode:?}")));
        }
        if env.profile.as_deref() == Some("release") {
            return Ok((
                Mode::Check,
                format!("a release build only checks; {MODE_VAR}=generate makes it write"),
            ));
        }
        Ok((Mode::Generate, "generate".into()))
    }

    pub(super) fn manifest(&self, env: &Env) -> Result<PathBuf, Error> {
        self.manifest_dir
            .clone()
            .or_else(|| env.manifest_dir.clone())
            .ok_or_else(|| {
                Error::BuildSetting(
                    "CARGO_MANIFEST_DIR is not set: lback::build runs in a build script (build.rs), \
                     where cargo sets it; elsewhere, give Builder::manifest_dir"
                        .into(),
                )
            })
    }

    /// The source files read and the models' schema.
    pub(super) fn models(
        &self,
        manifest: &Path,
        env: &Env,
    ) -> (Vec<PathBuf>, Result<Schema, Error>) {
        let roots: Vec<PathBuf> = match &self.source {
            Source::Schema(schema) => {
                let checked = schema.validate().map(|()| schema.clone());
                return (Vec::new(), checked);
            }
            Source::Files(files) => files.iter().map(|f| manifest.join(f)).collect(),
            Source::CrateRoots => {
                let roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
                    .iter()
                    .map(|r| manifest.join(r))
                    .filter(|r| r.is_file())
                    .collect();
                if roots.is_empty() {
                    return (
                        Vec::new(),
                        Err(Error::BuildSetting(format!(
                            "{} has neither src/lib.rs nor src/main.rs; say where the models are \
                             with `Builder::new().models_in(\"path/to/models.rs\")`",
                            manifest.display()
                        ))),
                    );
                }
                roots
            }
        };
        let cfg = self.cfg.as_ref().unwrap_or(&env.cfg);
        // diesel's schema.rs is lback's output, not a place for models.
        let generated: Vec<PathBuf> =
            crate::schema_rs::SchemaFile::locate(manifest, self.schema_file.as_ref())
                .ok()
                .flatten()
                .map(|f| f.path)
                .into_iter()
                .collect();
        let found = scan::scan(&roots, cfg, &generated);
        let mut errors = found.errors;
        let mut schema = Schema::new();
        let mut declared: Vec<&scan::Found> = Vec::new();
        for model in &found.models {
            if let Some(first) = declared.iter().find(|f| f.table.name == model.table.name) {
                errors.push(SourceError {
                    message: format!(
                        "table `{}` is also declared by `{}` at {}; derive lback::Model on only \
                         one struct per table",
                        model.table.name,
                        first.name,
                        first.at_text(manifest)
                    ),
                    ..model.at.clone()
                });
                continue;
            }
            declared.push(model);
            schema.upsert(model.table.clone());
        }
        let result = if errors.is_empty() {
            schema.validate().map(|()| schema)
        } else {
            for error in &mut errors {
                error.path = relative(manifest, &error.path).to_path_buf();
            }
            Err(Error::ModelSource(errors))
        };
        (found.files, result)
    }

    pub(super) fn dialects_for(&self, migrations: &Migrations) -> Result<Vec<Dialect>, Error> {
        let configured = &migrations.settings().dialects;
        if configured.is_empty() {
            return Ok(self.dialects.clone());
        }
        if !self.dialects.is_empty() && &self.dialects != configured {
            return Err(Error::BuildSetting(format!(
                "build.rs asks for SQL for {}, but {} configures {}; to change the dialects, edit \
                 that file (and remove `.dialects(...)` from build.rs, which only serves a project \
                 without migrations)",
                names(&self.dialects),
                migrations.settings_path().display(),
                names(configured)
            )));
        }
        Ok(configured.clone())
    }

    pub(super) fn migration_name_for(&self, env: &Env, draft: &Draft) -> Result<String, Error> {
        if let Some(name) = env.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return match validate_name(name) {
                Ok(()) => Ok(name.to_owned()),
                Err(e) => Err(Error::BuildSetting(format!("{NAME_VAR}: {e}"))),
            };
        }
        if let Some(name) = &self.name {
            validate_name(name)?;
            return Ok(name.clone());
        }
        Ok(name::default_name(&draft.operations))
    }
}

/// One run: its settings and what it has read so far.
struct Run<'a> {
    builder: &'a Builder,
    env: &'a Env,
    manifest: &'a Path,
    /// The migrations folder.
    dir: &'a Path,
    /// The source files read.
    sources: &'a [PathBuf],
    mode: Mode,
    /// Why the mode is what it is, for the check failure's message.
    why: String,
}

impl Run<'_> {
    /// Compares the models with the migrations, and writes or refuses.
    fn compare(&self, models: Schema, say: &mut dyn FnMut(String)) -> Result<Report, Error> {
        let dir = self.dir;
        let _lock = FolderLock::take(dir, self.mode == Mode::Generate);
        let mut migrations = Migrations::open(dir)?;
        migrations.check_linear()?;
        let draft = Draft::new(&migrations, models)?;
        let dialects = self.builder.dialects_for(&migrations)?;
        draft.check_dialects(&dialects)?;
        let schema_file = schema_file(
            self.manifest,
            &migrations,
            self.builder.schema_file.as_ref(),
        )?;
        if draft.is_empty() {
            return self.schema_rs_in_step(&migrations, schema_file.as_ref(), say);
        }
        if self.mode == Mode::Check {
            return Err(Error::ModelsChanged {
                why: self.why.clone(),
                changes: draft.summary(),
            });
        }
        if dialects.is_empty() {
            return Err(Error::BuildSetting(format!(
                "the models have changes, but this project has no migration yet, so lback does not \
                 know which databases to generate SQL for: add `.dialects([Dialect::Sqlite])` (or \
                 Postgres, Mysql; primary first) to `lback::build::Builder` in build.rs, or write \
                 the first migration with `makemigrations <name> --dialect sqlite`. Changes:\n{}",
                draft
                    .summary()
                    .iter()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )));
        }
        let name = self.builder.migration_name_for(self.env, &draft)?;
        let mut inputs = self.sources.to_vec();
        inputs.push(dir.to_path_buf());
        let inputs_time = freshness::inputs_time(&inputs);
        let changes = draft.summary();
        let destructive = draft.is_destructive();
        let sql = draft.sql(&dialects);
        let folders = draft.write(
            &mut migrations,
            name,
            sql,
            SystemTime::now(),
            schema_file.as_ref(),
        )?;
        if let Some(time) = inputs_time {
            let mut written: Vec<PathBuf> = Vec::new();
            for folder in &folders {
                written.extend(
                    std::fs::read_dir(&folder.path)
                        .map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
                written.push(folder.path.clone());
            }
            written.extend([
                migrations.snapshot_path(),
                migrations.settings_path(),
                dir.join(LBACK_DIR),
                dir.to_path_buf(),
            ]);
            written.extend(schema_file.iter().map(|f| f.path.clone()));
            freshness::backdate(&written, time);
        }
        let shown: Vec<String> = folders
            .iter()
            .map(|f| format!("{}/", relative(self.manifest, &f.path).display()))
            .collect();
        say(format!(
            "cargo:warning=lback: wrote {} for the model changes below; review it and commit it \
             with the models (cargo repeats this note until the build script runs again):",
            shown.join(" and ")
        ));
        for line in &changes {
            say(format!("cargo:warning=lback:   {line}"));
        }
        if destructive {
            say(
                "cargo:warning=lback: this migration can lose data (see `destructive` above): \
                 check it before it runs anywhere"
                    .into(),
            );
        }
        // The first (with the online forms a second one follows it).
        let folder = folders
            .into_iter()
            .next()
            .expect("write returns what it wrote");
        Ok(Report::Generated {
            id: folder.id(),
            path: folder.path,
            changes,
        })
    }
}

impl Run<'_> {
    /// The models and the migrations agree; schema.rs must too. A check
    /// fails naming the difference; a generating run rewrites it.
    fn schema_rs_in_step(
        &self,
        migrations: &Migrations,
        file: Option<&SchemaFile>,
        say: &mut dyn FnMut(String),
    ) -> Result<Report, Error> {
        let SchemaRsState::Differs { path, lines } = check_schema_rs(migrations, file)? else {
            return Ok(Report::InStep);
        };
        let shown = relative(self.manifest, &path).display().to_string();
        if self.mode == Mode::Check {
            return Err(Error::DieselSchema(format!(
                "{shown} is not what the migrations say ({}; - the file, + the migrations):\n{}\n\
                 Rewrite it with `lback schema` (or a build with {MODE_VAR}=generate) and commit it; \
                 a project that does not use diesel's schema.rs sets `\"schema_file\": \"none\"` \
                 in migrations/.lback/settings.json",
                self.why,
                lines
                    .iter()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )));
        }
        let file = file.expect("a difference needs a file");
        write_schema_rs(migrations, file)?;
        if let Some(time) = freshness::inputs_time(self.sources) {
            freshness::backdate(std::slice::from_ref(&file.path), time);
        }
        say(format!(
            "cargo:warning=lback: rewrote {shown} from the migrations (it differed from them)"
        ));
        Ok(Report::InStep)
    }
}
