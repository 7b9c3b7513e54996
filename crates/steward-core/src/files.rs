//! The FileStore: where uploaded files (attachments, employee documents) live. Files are
//! stored under random names; their index (name, type, size, SHA-256, owner record) is in
//! the database. Content types are checked from the bytes, not from what the client says.
