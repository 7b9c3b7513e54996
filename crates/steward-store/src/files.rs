//! The local-folder FileStore and the files index (see `steward_core::files`).
