//! orgtrail-operator: declare how AWS CloudTrail is wired into AWS Organizations.
