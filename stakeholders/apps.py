from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = "Stakeholders and weekly digest"

    def ready(self) -> None:
        from practice.workflow import transitioned
        from stakeholders.tasks import review_mail_enqueue

        transitioned.connect(review_mail_enqueue, dispatch_uid="stakeholders-review-mail")
