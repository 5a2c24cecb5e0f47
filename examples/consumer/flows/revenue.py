"""Daily revenue per region, from the orders of one day."""

from datetime import date, timedelta

from prefect import flow, task


@task
def orders_of(day: date) -> list[dict[str, object]]:
    return [{"region": region, "amount": 10.0 * (i + 1)} for i, region in enumerate(("emea", "amer", "apac"))]


@flow(log_prints=True)
def revenue(day: date | None = None, currency: str = "EUR") -> dict[str, float]:
    """Revenue per region for `day` (yesterday when absent), in `currency`."""
    totals: dict[str, float] = {}
    for order in orders_of(day or date.today() - timedelta(days=1)):
        totals[str(order["region"])] = totals.get(str(order["region"]), 0.0) + float(str(order["amount"]))
    print(f"revenue in {currency}: {totals}")
    return totals
