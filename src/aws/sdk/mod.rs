//! The one adapter of the AWS port, on the real aws-sdk clients (in progress).
