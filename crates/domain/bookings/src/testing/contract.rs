//! The contract suite for [`BookingRepository`] adapters.
//!
//! It takes a fresh, empty repository: callers give every run its own
//! database (or in-memory instance), so runs never see each other's rows.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::booking::{Booking, BookingId, BookingStatus, NewBooking};
use crate::error::BookingsError;
use crate::ports::BookingRepository;
use chrono::{DateTime, Duration, DurationRound, Utc};
use frontdesk_kernel::TenantId;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

/// Tomorrow at the top of the hour: in the future, and exactly storable everywhere.
fn base() -> DateTime<Utc> {
    (Utc::now() + Duration::days(1)).duration_trunc(Duration::hours(1)).expect("truncate to the hour")
}

fn booking(tenant: TenantId, starts_at: DateTime<Utc>, minutes: u32) -> Booking {
    let input =
        NewBooking { lead_id: frontdesk_kernel::LeadId::new(), starts_at, duration_minutes: minutes, notes: None };
    Booking::create(tenant, input, Utc::now() - Duration::minutes(1)).expect("valid booking")
}

fn ids(bookings: &[Booking]) -> Vec<BookingId> {
    bookings.iter().map(|b| b.id).collect()
}

/// Polls both futures on the current task until both finish, like
/// `tokio::join!` (the domain's library code does not depend on tokio).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    poll_fn(move |cx| {
        if out_a.is_none()
            && let Poll::Ready(value) = a.as_mut().poll(cx)
        {
            out_a = Some(value);
        }
        if out_b.is_none()
            && let Poll::Ready(value) = b.as_mut().poll(cx)
        {
            out_b = Some(value);
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (out_a, out_b) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs every check.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn bookings(repo: &dyn BookingRepository) {
    round_trip_and_tenant_isolation(repo).await;
    overlapping_confirmed_bookings_are_refused(repo).await;
    cancelling_frees_the_slot(repo).await;
    list_returns_overlapping_bookings_in_order(repo).await;
    concurrent_inserts_into_one_slot_let_exactly_one_win(repo).await;
}

/// Bookings round-trip; another tenant's (or an unknown) id is `NotFound`.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn round_trip_and_tenant_isolation(repo: &dyn BookingRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let mut first = booking(tenant, base(), 30);
    first.notes = Some("Side door".into());
    repo.insert_if_free(tenant, &first).await.expect("insert");
    assert_eq!(repo.get(tenant, first.id).await.expect("get"), first);
    assert!(matches!(repo.get(other, first.id).await, Err(BookingsError::NotFound { .. })), "cross-tenant get");
    assert!(matches!(repo.get(tenant, BookingId::new()).await, Err(BookingsError::NotFound { .. })));
    let foreign = booking(other, base() + Duration::hours(5), 30);
    assert!(matches!(repo.insert_if_free(tenant, &foreign).await, Err(BookingsError::Validation(_))));
}

/// An overlap with a confirmed booking is refused naming it; touching ends
/// and other tenants' bookings are not overlaps.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn overlapping_confirmed_bookings_are_refused(repo: &dyn BookingRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let nine = base();
    let first = booking(tenant, nine, 60);
    repo.insert_if_free(tenant, &first).await.expect("insert");
    for (start, minutes) in [(nine, 60), (nine + Duration::minutes(30), 60), (nine - Duration::minutes(30), 45)] {
        let err = repo.insert_if_free(tenant, &booking(tenant, start, minutes)).await.expect_err("overlap");
        assert!(matches!(err, BookingsError::SlotTaken { conflicting } if conflicting == first.id), "{err:?}");
    }
    repo.insert_if_free(tenant, &booking(tenant, nine + Duration::hours(1), 30)).await.expect("right after");
    repo.insert_if_free(tenant, &booking(tenant, nine - Duration::minutes(30), 30)).await.expect("right before");
    repo.insert_if_free(other, &booking(other, nine, 60)).await.expect("another tenant's calendar");
}

/// Cancelled bookings free their slot; statuses move only as the rule allows.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn cancelling_frees_the_slot(repo: &dyn BookingRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let start = base() + Duration::days(1);
    let first = booking(tenant, start, 60);
    repo.insert_if_free(tenant, &first).await.expect("insert");
    assert!(matches!(
        repo.update_status(other, first.id, BookingStatus::Cancelled).await,
        Err(BookingsError::NotFound { .. })
    ));
    let cancelled = repo.update_status(tenant, first.id, BookingStatus::Cancelled).await.expect("cancel");
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(repo.get(tenant, first.id).await.expect("get").status, BookingStatus::Cancelled);
    let err = repo.update_status(tenant, first.id, BookingStatus::Confirmed).await.expect_err("reconfirm");
    assert!(matches!(err, BookingsError::InvalidTransition { .. }), "{err:?}");

    let second = booking(tenant, start, 60);
    repo.insert_if_free(tenant, &second).await.expect("the cancelled slot is free again");
    repo.update_status(tenant, second.id, BookingStatus::Completed).await.expect("complete");
    repo.insert_if_free(tenant, &booking(tenant, start, 60)).await.expect("completed bookings do not block either");
}

/// `list` returns the tenant's bookings overlapping the window, any status, by start.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn list_returns_overlapping_bookings_in_order(repo: &dyn BookingRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let day = base() + Duration::days(2);
    let late = booking(tenant, day + Duration::hours(3), 30);
    let early = booking(tenant, day, 60);
    let straddling = booking(tenant, day - Duration::minutes(30), 30);
    let outside = booking(tenant, day + Duration::hours(6), 30);
    for b in [&late, &early, &straddling, &outside] {
        repo.insert_if_free(tenant, b).await.expect("insert");
    }
    repo.update_status(tenant, late.id, BookingStatus::Cancelled).await.expect("cancel");
    repo.insert_if_free(other, &booking(other, day, 60)).await.expect("other tenant");

    let window = repo.list(tenant, day - Duration::minutes(15), day + Duration::hours(4)).await.expect("list");
    assert_eq!(ids(&window), [straddling.id, early.id, late.id]);
    assert_eq!(window[2].status, BookingStatus::Cancelled);
    let touching = repo.list(tenant, day + Duration::hours(1), day + Duration::hours(2)).await.expect("list");
    assert!(touching.is_empty(), "a booking ending at `from` is outside the window");
}

/// Two concurrent inserts into the same slot: exactly one succeeds, and
/// the loser names the winner.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn concurrent_inserts_into_one_slot_let_exactly_one_win(repo: &dyn BookingRepository) {
    let tenant = TenantId::new();
    let start = base() + Duration::days(3);
    let (a, b) = (booking(tenant, start, 60), booking(tenant, start + Duration::minutes(15), 60));
    let (ra, rb) = join(repo.insert_if_free(tenant, &a), repo.insert_if_free(tenant, &b)).await;
    let (winner, loser) = match (ra, rb) {
        (Ok(()), Err(err)) => (a.id, err),
        (Err(err), Ok(())) => (b.id, err),
        other => panic!("exactly one insert must succeed, got {other:?}"),
    };
    assert!(matches!(loser, BookingsError::SlotTaken { conflicting } if conflicting == winner), "{loser:?}");
    let stored = repo.list(tenant, start, start + Duration::hours(2)).await.expect("list");
    assert_eq!(ids(&stored), [winner]);
}
