using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Patching;

namespace MetaEvolve.DevCluster.Tests;

public sealed class PatchTests
{
    private static JsonObject J(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Merge_patch_merges_objects_removes_nulls_and_replaces_lists()
    {
        var result = JsonMergePatch.Apply(J("""{"a":{"b":1,"c":2},"l":[1,2],"x":1}"""), J("""{"a":{"b":null,"d":3},"l":[3],"x":null}"""));
        Assert.True(JsonNode.DeepEquals(J("""{"a":{"c":2,"d":3},"l":[3]}"""), result));
    }

    [Fact]
    public void Json_patch_applies_add_remove_replace_move_copy_and_test()
    {
        var ops = JsonNode.Parse("""
            [{"op":"add","path":"/spec/list/-","value":3},{"op":"remove","path":"/spec/gone"},
             {"op":"replace","path":"/spec/n","value":2},{"op":"copy","from":"/spec/n","path":"/spec/m"},
             {"op":"move","from":"/spec/m","path":"/spec/o"},{"op":"test","path":"/spec/o","value":2},
             {"op":"add","path":"/metadata/annotations/a~1b","value":"x"}]
            """)!.AsArray();
        var result = JsonPatch.Apply(J("""{"metadata":{"annotations":{}},"spec":{"list":[1,2],"gone":true,"n":1}}"""), ops);
        Assert.True(JsonNode.DeepEquals(J("""{"metadata":{"annotations":{"a/b":"x"}},"spec":{"list":[1,2,3],"n":2,"o":2}}"""), result));
    }

    [Fact]
    public void Strategic_merge_merges_containers_by_name_and_env_by_name()
    {
        var target = J("""{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X","value":"1"}]},{"name":"b","image":"b:1"}]}}""");
        var patch = J("""{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}]},{"name":"c","image":"c:1"}]}}""");
        var result = StrategicMergePatch.Apply(target, patch);
        Assert.Equal("""{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]},{"name":"b","image":"b:1"},{"name":"c","image":"c:1"}]}}""",
            result.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_honours_delete_replace_retain_keys_and_element_order_directives()
    {
        var target = J("""{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}],"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"selector":{"a":"1","b":"2"}},"metadata":{"finalizers":["x"]}}""");
        var patch = J("""
            {"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"name":"b","$patch":"delete"}],
                     "strategy":{"$retainKeys":["type"],"type":"Recreate"},"selector":{"$patch":"replace","z":"9"}},
             "metadata":{"finalizers":["y"]}}
            """);
        var result = StrategicMergePatch.Apply(target, patch);
        Assert.Equal("""{"spec":{"containers":[{"name":"c"},{"name":"a"}],"strategy":{"type":"Recreate"},"selector":{"z":"9"}},"metadata":{"finalizers":["x","y"]}}""",
            result.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_replaces_lists_without_a_merge_key()
    {
        var result = StrategicMergePatch.Apply(J("""{"args":["a","b"]}"""), J("""{"args":["c"]}"""));
        Assert.Equal("""{"args":["c"]}""", result.ToJsonString());
    }
}
