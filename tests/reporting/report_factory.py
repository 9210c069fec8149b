"""A report of a realistic exam for the reporting tests."""

from workstation.reporting.report import Exam, KeyImage, Report, Section

EXAM = Exam(
    accession_number="ACC-2026-0042", patient_id="PAT-7", patient_name="Müller^Zoë", patient_birth_date="19610304",
    patient_sex="F", issuer_of_patient_id="HOSPITAL", study_instance_uid="1.2.826.0.1.3680043.8.498.4242",
    study_date="20261125", study_time="101500", study_id="42", modality="CT", procedure="CT chest with contrast",
    referring_physician="Okafor^Chidi",
)


def make_report(findings="Lungs: 8 mm nodule in the right upper lobe.", impression="Indeterminate 8 mm nodule.") -> Report:
    return Report.new(EXAM, "resident.rui", (
        Section("Clinical information", "Cough for 6 weeks."), Section("Technique", "Helical CT with contrast."),
        Section("Comparison", "None."), Section("Findings", findings), Section("Impression", impression),
    ), template_id="ct_chest")


def key_image(number: int) -> KeyImage:
    return KeyImage(sop_class_uid="1.2.840.10008.5.1.4.1.1.2", sop_instance_uid=f"1.2.826.0.1.3680043.8.498.5{number}",
                    series_instance_uid="1.2.826.0.1.3680043.8.498.600")
