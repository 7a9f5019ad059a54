"""The cheapest FastAPI command endpoint: same request body shape as POST /stations, no work at all.
bench/run.py measures it to show how much of the command path is the HTTP stack itself."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    name: str
    tier: str
    area_code: str


@app.post("/stations", status_code=201)
def create(body: Body) -> dict[str, str]:
    return {"station_id": body.area_code}
