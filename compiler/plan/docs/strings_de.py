"""The docs' German headings and labels (``docs.language: de``); keys as in :mod:`.strings`."""

from __future__ import annotations

DE = {
    "backups": "Datensicherung",
    "backups_intro": (
        "Was gesichert ist, wie und wie gut, von backup-policy aus den Policies von "
        "{cluster} erzeugt: aus demselben Modell wie die Manifeste, daher kann diese Seite "
        "keinen Schutz behaupten, den diese nicht bieten."
    ),
    "judged_on": (
        "Ein Restore-Test ist am angegebenen Datum fällig; `backup-policy check` meldet ihn,"
        " wenn er {grace} danach noch nicht bestanden ist (BP323)."
    ),
    "see_also": "Siehe auch",
    "contents": "Inhalt",
    "recovery": "Notfallwiederherstellung",
    "alerts": "Alarme",
    "coverage_per_layer": "Abdeckung je Schicht",
    "layer_intro": (
        "Ein lokaler Snapshot bleibt bei den Daten; eine Kopie auf einem separaten Ziel "
        "erfüllt den RPO; eine Offsite-Kopie übersteht auch den Verlust des Standorts. "
        "Gezählt: nur konsistente Kopien."
    ),
    "coverage_per_item": "Abdeckung je Datenbestand",
    "item_intro": (
        "Effektiver RPO: die größte Lücke zwischen zwei Kopien auf einem separaten Ziel über "
        "ein Jahr der Zeitpläne. 3-2-1: Kopien (die Live-Daten und jede zählende Kopie) / "
        "separate Ziele / Offsite-Ziele."
    ),
    "services": "Dokumentation je Dienst",
    "schedules": "Zeitpläne",
    "schedules_intro": (
        "Jeder geplante Job mit dem Cron-Ausdruck aus seinem Manifest (`H`-Felder "
        "aufgelöst). K8up, Longhorn und Velero werten ihre Crons in der Zeitzone ihres "
        "Controllers aus (UTC); erzeugte CronJobs nutzen {timezone}."
    ),
    "test_plan": "Restore-Testplan",
    "test_protocol": "Restore-Testprotokoll",
    "uncovered": "Dienste ohne Restore-Test",
    "shared_objects": "Gemeinsame Objekte",
    "shared_intro": "Alarme zu Objekten, die mehrere Dienste teilen, verweisen hierher.",
    "rules_in": "Regeln in",
    "layer": "Schicht",
    "method": "Methode",
    "target": "Ziel",
    "worst_gap": "Größte Lücke",
    "data_items": "Datenbestände",
    "service": "Dienst",
    "data_item": "Datenbestand",
    "local": "lokaler Snapshot",
    "separate": "separates Ziel",
    "offsite": "offsite",
    "local_column": "Lokaler Snapshot",
    "separate_column": "Separates Ziel",
    "offsite_column": "Offsite",
    "services_column": "Dienste",
    "three_two_one": "3-2-1",
    "effective_rpo": "Effektiver RPO",
    "declared_rpo": "Deklarierter RPO",
    "met": "Erfüllt",
    "yes": "ja",
    "no": "nein",
    "none": "keiner",
    "not_consistent": "nicht konsistent",
    "classification": "Klassifizierung",
    "storage": "Speicher",
    "owner": "Verantwortlich",
    "methods": "Methoden",
    "rpo_declared_effective": "RPO deklariert / effektiv",
    "rto_declared_measured": "RTO deklariert / gemessen",
    "last_restore_test": "Letzter Restore-Test",
    "rpo": "RPO",
    "rto": "RTO",
    "declared": "deklariert",
    "effective": "effektiv",
    "measured_in": "gemessen in",
    "rpo_met": "erfüllt",
    "rpo_missed": "verfehlt",
    "rto_proven": "belegt",
    "rto_exceeded": "überschritten",
    "rto_unproven": "unbelegt: kein bestandener Restore-Test mit gemessener Dauer deckt ihn ab",
    "restore_tests": "Restore-Tests",
    "restore": "Wiederherstellung",
    "schedule": "Zeitplan",
    "counts": "Zählt für den RPO",
    "note": "Hinweis",
    "alert": "Alarm",
    "severity": "Schweregrad",
    "summary": "Zusammenfassung",
    "job": "Job",
    "cron": "Cron",
    "id": "ID",
    "title": "Titel",
    "type": "Typ",
    "scope": "Umfang",
    "frequency": "Häufigkeit",
    "responsible": "Verantwortliche Rolle",
    "last_passed": "Zuletzt bestanden",
    "due": "Fällig",
    "status": "Status",
    "status_passed": "bestanden",
    "status_failing": "fehlgeschlagen",
    "status_never": "nie bestanden",
    "date": "Datum",
    "test": "Test",
    "result": "Ergebnis",
    "result_passed": "bestanden",
    "result_failed": "fehlgeschlagen",
    "result_partial": "teilweise",
    "duration": "Dauer",
    "follow_ups": "Folgeaufgaben",
    "recovery_intro": (
        "Die Reihenfolge der Wiederherstellung und je Dienst die genauen Befehle jedes "
        "Werkzeugs, das eine Kopie hält, aus denselben Policies erzeugt wie die Manifeste. "
        "Kritische Dienste zuerst; innerhalb einer Klasse der kürzeste RTO zuerst. Jedes "
        "Werkzeug stellt aus seinen eigenen Kopien wieder her: die mit den neuesten Daten "
        "nehmen (die kleinste Lücke, siehe [Abdeckung je Datenbestand]"
        "(backups.md#coverage-per-data-item)), bei Verlust des Standorts eine Offsite-Kopie. "
        "Die App vor dem Wiederherstellen in ihre PVCs stoppen (auf 0 skalieren)."
    ),
    "restore_order": "Wiederherstellungsreihenfolge",
    "protection": "Schutz",
    "no_steps": "Kein Werkzeug liefert Wiederherstellungsbefehle für diesen Dienst.",
    "alerts_intro": (
        "Jede erzeugte Alarmregel, was sie bedeutet und wohin ihr Runbook-Link "
        "(`runbook_url`) zeigt: ein Abschnitt von [Datensicherung](backups.md)."
    ),
    "alert_kinds": "Alarmarten",
    "from": "Quelle",
    "meaning": "Bedeutung",
    "rules": "Regeln",
    "for": "`for`",
    "runbook": "Runbook",
}
