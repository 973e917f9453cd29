//! AWS-shaped errors. The wire code is the Smithy shape name; rendering (JSON vs. STS XML)
//! happens in `server.rs`, which knows the protocol.

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Organizations' ConstraintViolationException / InvalidInputException carry a Reason.
    pub reason: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            code: code.into(),
            message: message.into(),
            reason: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Malformed JSON or a member of the wrong JSON type (what AWS's awsJson front end says).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    /// A Coral-style constraint failure for a member (missing required, out of range).
    pub fn validation(member: &str, constraint: &str) -> Self {
        Self::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
            ),
        )
    }

    /// An operation the emulator does not implement.
    pub fn unknown_operation(op: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("The operation {op} is not supported by this emulator."),
        )
    }

    /// Organizations' ConstraintViolationException with its Reason.
    pub fn constraint(reason: &str, message: &str) -> Self {
        Self::new("ConstraintViolationException", message).with_reason(reason)
    }

    /// Organizations' AccountNotFoundException.
    pub fn account_not_found(id: &str) -> Self {
        Self::new(
            "AccountNotFoundException",
            format!("You specified an account that doesn't exist: {id}"),
        )
    }

    pub fn access_denied(principal: &str, action: &str) -> Self {
        Self::new(
            "AccessDeniedException",
            format!(
                "User: {principal} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            ),
        )
    }
}
