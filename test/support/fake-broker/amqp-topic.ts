/** Whether an AMQP topic binding key matches a routing key: `*` is one word, `#` zero or more. */
export function bindingMatches(bindingKey: string, routingKey: string): boolean {
  return matchWords(bindingKey.split('.'), 0, routingKey.split('.'), 0);
}

function matchWords(key: string[], i: number, words: string[], j: number): boolean {
  if (i === key.length) return j === words.length;
  if (key[i] === '#') {
    for (let k = j; k <= words.length; k++) if (matchWords(key, i + 1, words, k)) return true;
    return false;
  }
  if (j === words.length) return false;
  return (key[i] === '*' || key[i] === words[j]) && matchWords(key, i + 1, words, j + 1);
}
