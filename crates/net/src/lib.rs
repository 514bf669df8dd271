//! Office network detection.
