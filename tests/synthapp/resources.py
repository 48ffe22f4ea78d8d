from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget, ManyToManyWidget

from .models import Gadget, Maker, Manual, Node, Slot, Tag


class GadgetResource(resources.ModelResource):
    maker = fields.Field(attribute="maker", column_name="maker",
                         widget=ForeignKeyWidget(Maker, field="name"))
    tags = fields.Field(attribute="tags", column_name="tags",
                        widget=ManyToManyWidget(Tag, field="label", separator=";"))
    released = fields.Field(attribute="released", column_name="released",
                            widget=DateWidget(format="%d/%m/%Y"))

    class Meta:
        model = Gadget
        import_id_fields = ("code",)
        exclude = ("id", "serial")
        clean_model_instances = True


class SlotResource(resources.ModelResource):
    tag = fields.Field(attribute="tag", column_name="tag",
                       widget=ForeignKeyWidget(Tag, field="label"))

    class Meta:
        model = Slot
        import_id_fields = ("shelf", "position")
        fields = ("shelf", "position", "label", "lane", "tag")


class ManualResource(resources.ModelResource):
    maker = fields.Field(attribute="maker", column_name="maker",
                         widget=ForeignKeyWidget(Maker))

    class Meta:
        model = Manual
        import_id_fields = ("maker",)
        fields = ("maker", "pages", "language")


class NodeResource(resources.ModelResource):
    parent = fields.Field(attribute="parent", column_name="parent",
                          widget=ForeignKeyWidget(Node, field="code"))

    class Meta:
        model = Node
        import_id_fields = ("code",)
        fields = ("code", "parent")


RESOURCES = {"gadget": GadgetResource, "slot": SlotResource, "manual": ManualResource,
             "node": NodeResource}
