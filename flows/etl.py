"""An example ETL flow: extract orders for a date range, total them per day and currency, load the totals.

The source is generated from a seed so the example runs anywhere without credentials; replace `extract` with
a real source. Run it locally with `python flows/etl.py`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel, Field

Currency = Literal["USD", "EUR", "GBP"]


class Order(BaseModel):
    """One order as the source reports it."""

    day: date
    currency: Currency
    amount: float = Field(ge=0)


class DailyTotal(BaseModel):
    """The orders of one day in one currency."""

    day: date
    currency: Currency
    orders: int
    amount: float


class Window(BaseModel):
    """Which days to process: `days` days ending on `end` (yesterday when absent)."""

    end: date | None = None
    days: int = Field(default=1, ge=1, le=31)

    def dates(self) -> list[date]:
        """The days of the window, oldest first."""
        end = self.end or date.today() - timedelta(days=1)
        return [end - timedelta(days=offset) for offset in reversed(range(self.days))]


@task(retries=2, retry_delay_seconds=10)
def extract(days: list[date], orders_per_day: int) -> list[Order]:
    """Read the orders of `days` from the source."""
    orders = []
    for day in days:
        # Seeded by the day, so re-running a day reads the same orders, as a real source would.
        rng = random.Random(day.toordinal())
        orders += [
            Order(day=day, currency=rng.choice(["USD", "EUR", "GBP"]), amount=round(rng.uniform(5, 500), 2))
            for _ in range(orders_per_day)
        ]
    return orders


@task
def transform(orders: list[Order], min_amount: float) -> list[DailyTotal]:
    """Total the orders of at least `min_amount` per day and currency."""
    totals: dict[tuple[date, Currency], list[float]] = defaultdict(list)
    for order in orders:
        if order.amount >= min_amount:
            totals[(order.day, order.currency)].append(order.amount)
    return [
        DailyTotal(day=day, currency=currency, orders=len(amounts), amount=round(sum(amounts), 2))
        for (day, currency), amounts in sorted(totals.items())
    ]


@task
def load(totals: list[DailyTotal]) -> int:
    """Publish the totals as a table artifact on the flow run."""
    create_table_artifact(
        key="daily-order-totals",
        table=[total.model_dump(mode="json") for total in totals],
        description="Orders per day and currency",
    )
    return len(totals)


@flow(name="etl")
def etl(window: Window | None = None, orders_per_day: int = 100, min_amount: float = 0.0) -> int:
    """Extract, transform and load one window of orders.

    Args:
        window: The days to process; yesterday when absent.
        orders_per_day: How many orders the example source yields per day.
        min_amount: Orders below this amount are left out of the totals.
    """
    days = (window or Window()).dates()
    totals = transform(extract(days, orders_per_day), min_amount)
    loaded = load(totals)
    get_run_logger().info("loaded %d daily totals for %s to %s", loaded, days[0], days[-1])
    return loaded


if __name__ == "__main__":
    etl()
