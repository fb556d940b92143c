import WinnowJSON

/// A value passed into a template: the JSON data model of `WinnowJSON`, whose objects keep their
/// keys in insertion order as Python dicts do (chat templates iterate
/// `tool.parameters.properties` etc., and `tojson` must print keys in the order they were given).
public typealias Value = JSONValue
