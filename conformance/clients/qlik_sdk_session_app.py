"""Drives the qlik-sdk Python package (unmodified) against qixd: a Qlik Cloud style session app.

Usage: qlik_sdk_session_app.py <host> <api_key> <session_app_id> <load_script>
Prints one JSON line: the authenticated user, the cube rows before and after a selection.
qlik-sdk connects to wss://<hostname of host>/app/<id> (always wss, always port 443) with
Authorization: Bearer <api_key>; the caller points WEBSOCKET_CLIENT_CA_BUNDLE at the CA that signed
qixd's certificate.
"""

import json
import sys

from qlik_sdk import AuthType, Config, Qlik


def rows(layout):
    return [[cell.qText for cell in row] for row in layout.qHyperCube.qDataPages[0].qMatrix]


def main():
    host, api_key, app_id, script = sys.argv[1:5]
    qlik = Qlik(Config(host=host, auth_type=AuthType.APIKey, api_key=api_key))
    app = qlik.apps.create_session_app(app_id)
    with app.open():
        user = app.Global.get_authenticated_user()
        app.set_script(script)
        reloaded = app.do_reload()
        cube = app.create_session_object(
            {
                "qInfo": {"qType": "table"},
                "qHyperCubeDef": {
                    "qDimensions": [
                        {"qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]}}
                    ],
                    "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
                    "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}],
                },
            }
        )
        before = rows(cube.get_layout())
        selected = app.get_field("Region").select_values([{"qText": "South"}, {"qText": "East"}])
        after = rows(cube.get_layout())
        layout = app.get_app_layout()
    print(
        json.dumps(
            {
                "user": user,
                "reloaded": reloaded,
                "before": before,
                "selected": selected,
                "after": after,
                "title": layout.qTitle,
            }
        )
    )


if __name__ == "__main__":
    main()
